// Messages of the agency screens in both languages; merged into the locale files under `agency`.
// Problem codes the agency API answers go in `problemCodes` with a message in both `problems`.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const zhCN = {
  title: '接入单位客户端',
}

const en: typeof zhCN = {
  title: 'Agency clients',
}

const problemsZhCN = {} as Record<string, string>
const problemsEn: typeof problemsZhCN = {}

export const problemCodes: readonly string[] = []

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
