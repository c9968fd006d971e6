// Problem codes the webhooks API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen); the screens' messages are in
// ../screens/webhooks.ts and load with their routes.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const problemsZhCN = {
  webhook_subscription_not_found: '找不到该推送订阅。',
  webhook_delivery_not_found: '找不到该投递记录。',
  webhook_subscription_disabled: '该订阅已停用，请先重新启用再重发。',
  webhook_subscription_not_disabled: '该订阅已在启用中。',
  webhook_url_invalid: '接收地址须为带主机名的 http(s) 地址。',
  webhook_url_credentials: '接收地址不能包含用户名或密码，请用签名验证推送。',
  webhook_url_https_required: '接收地址须使用 https。',
  webhook_url_private: '接收地址不能指向内网、本机或保留地址。',
}
const problemsEn: typeof problemsZhCN = {
  webhook_subscription_not_found: 'No such webhook subscription.',
  webhook_delivery_not_found: 'No such webhook delivery.',
  webhook_subscription_disabled: 'The subscription is disabled; re-enable it before redelivering.',
  webhook_subscription_not_disabled: 'The subscription is active already.',
  webhook_url_invalid: 'The URL must be an http(s) address with a host.',
  webhook_url_credentials: 'The URL must not carry credentials; verify deliveries by their signature.',
  webhook_url_https_required: 'The URL must use https.',
  webhook_url_private: 'The URL must not name a private, loopback or reserved address.',
}

export const problemCodes: readonly string[] = Object.keys(problemsZhCN)

export default { problems: { zhCN: problemsZhCN, en: problemsEn } }
