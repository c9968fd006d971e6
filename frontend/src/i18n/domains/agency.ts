// Problem codes the agency API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen); the screens' messages are in
// ../screens/agency.ts and load with their routes.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const problemsZhCN = {
  client_revoked: '该客户端已被吊销,请重新登记。',
  organization_not_agency: '请选择接入单位类型的机构。',
}
const problemsEn: typeof problemsZhCN = {
  client_revoked: 'This client was revoked; register a new one.',
  organization_not_agency: 'Choose an agency organisation.',
}

export const problemCodes: readonly string[] = ['client_revoked', 'organization_not_agency']

export default { problems: { zhCN: problemsZhCN, en: problemsEn } }
