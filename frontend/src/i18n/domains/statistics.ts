// Problem codes the statistics API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen); the screens' messages are in
// ../screens/statistics.ts and load with their routes.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const problemsZhCN = {
  batch_not_found: '没有找到该批次，或其统计数据尚未公布。',
} as Record<string, string>
const problemsEn: typeof problemsZhCN = {
  batch_not_found: 'This batch does not exist or its statistics are not published yet.',
}

export const problemCodes: readonly string[] = Object.keys(problemsZhCN)

export default { problems: { zhCN: problemsZhCN, en: problemsEn } }
