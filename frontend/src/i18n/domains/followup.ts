// Problem codes the followup API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen); the screens' messages are in
// ../screens/followup.ts and load with their routes.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const problemsZhCN = {
  premium_rate_over_cap: '保险费率不能超过 3%。',
  policy_period_too_long: '保险期限不能超过 3 年。',
  ends_before_start: '结束日期应晚于开始日期。',
  duplicate_policy_number: '该保险公司已有相同保单号的保单。',
  award_revoked: '该产品的认定证书已撤销，跟踪信息不能再新增或修改。',
  already_verified: '该记录已经核实。',
  not_verified: '该记录尚未核实。',
  record_not_found: '找不到该记录，可能已被删除。',
  roadshow_not_found: '找不到该路演。',
  control_characters: '文本中含有控制字符。',
} as Record<string, string>
const problemsEn: typeof problemsZhCN = {
  premium_rate_over_cap: 'The premium rate may be at most 3%.',
  policy_period_too_long: 'A policy period is at most 3 years.',
  ends_before_start: 'The end date must be after the start date.',
  duplicate_policy_number: 'This insurer already has a policy with this number.',
  award_revoked: 'This product\'s certificate was revoked; its follow-up records can no longer be added or changed.',
  already_verified: 'This record is already verified.',
  not_verified: 'This record is not verified.',
  record_not_found: 'No such record; it may have been deleted.',
  roadshow_not_found: 'No such roadshow.',
  control_characters: 'The text contains control characters.',
}

export const problemCodes: readonly string[] = Object.keys(problemsZhCN)

export default { problems: { zhCN: problemsZhCN, en: problemsEn } }
