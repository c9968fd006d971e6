// Problem codes the ranking API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen); the screens' messages are in
// ../screens/ranking.ts and load with their routes.

const problemsZhCN = {
  quota_reached: '该领域的入选名额已满。',
  reviews_outstanding: '尚有申报未完成评审，不能提交审议。',
  undecided_applications: '尚有已评审的申报未作决定，不能开始公示。',
  nothing_shortlisted: '还没有入选的申报，不能开始公示。',
  batch_not_in_deliberation: '该批次不在审议阶段，不能作出决定。',
} as Record<string, string>
const problemsEn: typeof problemsZhCN = {
  quota_reached: 'The shortlist quota of this field is reached.',
  reviews_outstanding: 'Some applications are not fully reviewed yet, so deliberation cannot start.',
  undecided_applications: 'Some reviewed applications are still undecided, so publicity cannot start.',
  nothing_shortlisted: 'Nothing is shortlisted, so publicity cannot start.',
  batch_not_in_deliberation: 'The batch is not in deliberation, so no decision can be taken.',
}

export const problemCodes: readonly string[] = [
  'quota_reached',
  'reviews_outstanding',
  'undecided_applications',
  'nothing_shortlisted',
  'batch_not_in_deliberation',
]

export default { problems: { zhCN: problemsZhCN, en: problemsEn } }
