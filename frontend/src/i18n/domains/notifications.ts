// Problem codes the notifications API answers, each with a message in both languages in
// `problems`.
// They load with the shell (an error can surface on any screen), as do `zhCN`/`en` here: the
// keys of `notifications` shown outside its own routes (the header's badge, the kinds named by
// the shared notification queries).
// The screens' messages are in ../screens/notifications.ts and load with their routes.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const zhCN = {
  badge: '通知',
  badgeUnread: '通知，{n} 条未读',
  kinds: {
    application_returned: '申报被退回补正',
    application_decision: '申报审查结果',
    certificate_issued: '证书颁发',
    certificate_revoked: '证书撤销',
    application_submitted: '收到新申报',
    application_resubmitted: '申报补正后重新提交',
    assignment_new: '新的评审任务',
    objection_filed: '收到异议',
    webhook_disabled: '事件推送订阅被停用',
    objection_received: '异议已受理（异议人）',
    objection_resolved: '异议处理结果（异议人）',
    correction_deadline_soon: '补正即将截止',
    correction_deadline_passed: '补正已逾期',
    district_check_overdue: '区级初审逾期',
    scoring_deadline_soon: '评审即将截止',
    daily_digest: '每日摘要',
    password_reset: '重置密码',
  },
}

const en: typeof zhCN = {
  badge: 'Notifications',
  badgeUnread: 'Notifications, {n} unread',
  kinds: {
    application_returned: 'Application returned for correction',
    application_decision: 'Decision on an application',
    certificate_issued: 'Certificate issued',
    certificate_revoked: 'Certificate revoked',
    application_submitted: 'New application submitted',
    application_resubmitted: 'Application resubmitted',
    assignment_new: 'New review assignment',
    objection_filed: 'Objection filed',
    webhook_disabled: 'Webhook subscription disabled',
    objection_received: 'Objection received (to the objector)',
    objection_resolved: 'Objection resolved (to the objector)',
    correction_deadline_soon: 'Correction deadline approaching',
    correction_deadline_passed: 'Correction deadline passed',
    district_check_overdue: 'District checks overdue',
    scoring_deadline_soon: 'Scoring deadline approaching',
    daily_digest: 'Daily digest',
    password_reset: 'Password reset',
  },
}

const problemsZhCN = {
  notification_not_found: '找不到该通知。',
  notification_required: '法定通知不能关闭。',
  notification_kind_unavailable: '该类通知发给没有账号的人，无法设置。',
  mail_not_found: '找不到该邮件。',
}
const problemsEn: typeof problemsZhCN = {
  notification_not_found: 'No such notification.',
  notification_required: 'A required notice cannot be turned off.',
  notification_kind_unavailable: 'This kind goes to people without an account and cannot be set.',
  mail_not_found: 'No such e-mail.',
}

export const problemCodes: readonly string[] = Object.keys(problemsZhCN)

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
