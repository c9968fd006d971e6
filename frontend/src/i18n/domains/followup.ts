// Messages of the followup screens in both languages; merged into the locale files under `followup`.
// Problem codes the followup API answers go in `problemCodes` with a message in both `problems`.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const zhCN = {
  title: '示范应用与采购',
  adminTitle: '跟踪信息核验',
}

const en: typeof zhCN = {
  title: 'Demonstration and purchases',
  adminTitle: 'Verify follow-up records',
}

const problemsZhCN = {} as Record<string, string>
const problemsEn: typeof problemsZhCN = {}

export const problemCodes: readonly string[] = []

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
