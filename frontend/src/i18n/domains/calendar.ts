// Messages of the calendar screens in both languages; merged into the locale files under `calendar`.
// Problem codes the calendar API answers go in `problemCodes` with a message in both `problems`.

const zhCN = {
  title: 'calendar',
}

const en: typeof zhCN = {
  title: 'calendar',
}

const problemsZhCN = {} as Record<string, string>
const problemsEn: typeof problemsZhCN = {}

export const problemCodes: readonly string[] = []

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
