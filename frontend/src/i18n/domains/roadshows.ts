// Messages of the roadshows screens in both languages; merged into the locale files under `roadshows`.
// Problem codes the roadshows API answers go in `problemCodes` with a message in both `problems`.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const zhCN = {
  title: '路演活动',
  adminTitle: '路演管理',
}

const en: typeof zhCN = {
  title: 'Roadshows',
  adminTitle: 'Manage roadshows',
}

const problemsZhCN = {} as Record<string, string>
const problemsEn: typeof problemsZhCN = {}

export const problemCodes: readonly string[] = []

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
