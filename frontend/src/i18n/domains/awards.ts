// Problem codes the awards API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen); the screens' messages are in
// ../screens/awards.ts and load with their routes.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const problemsZhCN = {
  award_not_found: '找不到该证书。',
  award_already_revoked: '该证书已被撤销，不能再次撤销。',
  signing_key_unavailable: '证书签名密钥暂不可用，证书暂时无法发放，请稍后再试或联系系统管理员。',
} as Record<string, string>
const problemsEn: typeof problemsZhCN = {
  award_not_found: 'No such certificate.',
  award_already_revoked: 'This certificate has already been revoked; it cannot be revoked again.',
  signing_key_unavailable: 'The certificate signing key is unavailable, so certificates cannot be issued right now; try again later or contact the system administrator.',
}

export const problemCodes: readonly string[] = Object.keys(problemsZhCN)

export default { problems: { zhCN: problemsZhCN, en: problemsEn } }
