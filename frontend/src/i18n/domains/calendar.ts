// Problem codes the calendar API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen); the screens' messages are in
// ../screens/calendar.ts and load with their routes.

const problemsZhCN = {
  calendar_year_unknown: '该年份还没有工作日历，请管理员先录入。',
  calendar_year_from_library: '该年份来自 chinese-calendar 数据包，不能删除，只能编辑修订。',
} as Record<string, string>
const problemsEn: typeof problemsZhCN = {
  calendar_year_unknown: 'That year has no working-day calendar yet; an administrator must enter it first.',
  calendar_year_from_library: 'That year comes from the chinese-calendar package; it can be amended but not deleted.',
}

export const problemCodes: readonly string[] = ['calendar_year_unknown', 'calendar_year_from_library']

export default { problems: { zhCN: problemsZhCN, en: problemsEn } }
