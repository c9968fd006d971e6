// Problem codes the evaluation API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen); the screens' messages are in
// ../screens/evaluation.ts and load with their routes.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const problemsZhCN = {
  review_due_before_close: '评分截止日期不能早于申报截止日。',
  attestation_required: '请先签署本批次的回避与保密承诺。',
  no_expert_profile: '您的账号还没有专家资料，请联系联合办公室。',
  review_locked: '评分已提交并锁定，不能再修改。',
  review_incomplete: '评分还不完整：请为每一项打分并选择推荐意见。',
  review_submitted: '该评审已经提交，不能再移除或声明回避；如需处理请先退回评审。',
  batch_not_reviewing: '批次当前不在评审阶段，评分不能修改。',
  rubric_locked: '已有专家提交评分，评分细则已锁定。',
  rubric_too_large: '评分细则的总分过大，请减小满分或权重。',
  applications_awaiting_check: '本批次还有申报在等待初审或形式审查，不能开始评审。',
  expert_inactive: '该专家已停用，不能分配。',
  duplicate: '该专家已经分配给这份申报。',
  expert_conflict: '该专家与申报单位存在回避关系，不能分配。',
  expert_unavailable: '该专家不参加本批次评审。',
  expert_at_cap: '该专家在本批次的任务数已达上限。',
  application_full: '这份申报的评审专家已经足够。',
  conflict_exists: '已经登记过与该单位的回避关系。',
  assignment_inactive: '该分配已结束，不能再处理。',
}

const problemsEn: typeof problemsZhCN = {
  review_due_before_close: 'The scoring deadline cannot come before the application window closes.',
  attestation_required: "Please sign the batch's conflict-of-interest and confidentiality statement first.",
  no_expert_profile: 'Your account has no expert profile yet; please contact the joint office.',
  review_locked: 'The scores are submitted and locked; they can no longer change.',
  review_incomplete: 'The review is not complete: score every criterion and choose a recommendation.',
  review_submitted: 'This review is already submitted; it cannot be removed or declared a conflict. Reopen it first if needed.',
  batch_not_reviewing: 'The batch is not in review at the moment; scores cannot change.',
  rubric_locked: 'An expert has submitted a review: the rubric is locked.',
  rubric_too_large: "The rubric's totals are too large; lower the maximum scores or weights.",
  applications_awaiting_check: 'Some applications of the batch still await a district or formal check; the review cannot start yet.',
  expert_inactive: 'The expert is inactive and cannot be assigned.',
  duplicate: 'The expert is already assigned to this application.',
  expert_conflict: 'The expert has a conflict of interest with the applicant and cannot be assigned.',
  expert_unavailable: 'The expert does not take part in this batch.',
  expert_at_cap: 'The expert already holds as many assignments in this batch as the cap allows.',
  application_full: 'The application already has all the experts it needs.',
  conflict_exists: 'A conflict with this organisation is recorded already.',
  assignment_inactive: 'The assignment has ended and can no longer be changed.',
}

export const problemCodes: readonly string[] = Object.keys(problemsZhCN)

export default { problems: { zhCN: problemsZhCN, en: problemsEn } }
