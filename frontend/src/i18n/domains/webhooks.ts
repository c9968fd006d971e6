// Messages of the webhooks screens in both languages; merged into the locale files under `webhooks`.
// Problem codes the webhooks API answers go in `problemCodes` with a message in both `problems`.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const zhCN = {
  title: '事件推送',
}

const en: typeof zhCN = {
  title: 'Webhooks',
}

const problemsZhCN = {} as Record<string, string>
const problemsEn: typeof problemsZhCN = {}

export const problemCodes: readonly string[] = []

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
