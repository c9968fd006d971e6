// Problem codes the publicity API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen), as do `zhCN`/`en` here: the
// keys of `publicity` shown outside its own routes (the home page's link to the publicity).
// The screens' messages are in ../screens/publicity.ts and load with their routes.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const zhCN = {
  homeLink: '查看正在公示的拟认定产品并提出异议',
}

const en: typeof zhCN = {
  homeLink: 'See the products in publicity and file objections',
}

const problemsZhCN = {
  publicity_closed: '该批次的公示期已结束或尚未开始，目前不受理异议。',
  not_in_publicity: '该批次或产品不在公示名单中。',
  no_evidence: '该异议未附证明材料。',
  undecided_applications: '该批次仍有已评审的申报未作决定：请先将每项申报确定为“入选”或“未入选”，再开始公示。',
  nothing_shortlisted: '该批次没有入选的申报，无可公示的内容。',
  publicity_not_over: '公示期尚未结束：须待公示期最后一天过后，才能发布认定结果。',
  objections_open: '该批次仍有未处理的异议：请先在“异议处理”中维持或驳回全部异议，再发布认定结果。',
  contact_required: '请填写联系电话或电子邮箱（至少一项）。',
} as Record<string, string>
const problemsEn: typeof problemsZhCN = {
  publicity_closed: 'The publicity of this batch is over or has not started; objections are not accepted now.',
  not_in_publicity: 'This batch or product is not in publicity.',
  no_evidence: 'This objection came without evidence.',
  undecided_applications: 'Some reviewed applications of the batch are not decided yet: shortlist or not-select each of them before publicity starts.',
  nothing_shortlisted: 'No application of the batch is shortlisted; there is nothing to publicise.',
  publicity_not_over: 'Publicity is not over yet: the results can be announced from the day after its last day.',
  objections_open: 'Objections to this batch are still open: uphold or dismiss each of them under Objections before announcing.',
  contact_required: 'Enter a phone number or an e-mail address (at least one).',
}

export const problemCodes: readonly string[] = Object.keys(problemsZhCN)

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
