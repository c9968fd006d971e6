// Messages of the publicity screens in both languages; merged into the locale files under `publicity`.
// Problem codes the publicity API answers go in `problemCodes` with a message in both `problems`.

const zhCN = {
  title: 'publicity',
}

const en: typeof zhCN = {
  title: 'publicity',
}

const problemsZhCN = {} as Record<string, string>
const problemsEn: typeof problemsZhCN = {}

export const problemCodes: readonly string[] = []

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
