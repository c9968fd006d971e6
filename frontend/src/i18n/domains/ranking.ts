// Messages of the ranking screens in both languages; merged into the locale files under `ranking`.
// Problem codes the ranking API answers go in `problemCodes` with a message in both `problems`.

const zhCN = {
  title: 'ranking',
}

const en: typeof zhCN = {
  title: 'ranking',
}

const problemsZhCN = {} as Record<string, string>
const problemsEn: typeof problemsZhCN = {}

export const problemCodes: readonly string[] = []

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
