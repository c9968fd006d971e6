// Messages of the expert review, results and deliberation screens in both languages; merged into the locale files under `evaluation`.
// Problem codes the review API answers go in `problemCodes` with a message in both `problems`.

const zhCN = {
  title: 'evaluation',
}

const en: typeof zhCN = {
  title: 'evaluation',
}

const problemsZhCN = {} as Record<string, string>
const problemsEn: typeof problemsZhCN = {}

export const problemCodes: readonly string[] = []

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
