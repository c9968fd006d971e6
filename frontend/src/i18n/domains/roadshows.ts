// Problem codes the roadshows API answers, each with a message in both languages in `problems`.
// They load with the shell (an error can surface on any screen); the screens' messages are in
// ../screens/roadshows.ts and load with their routes.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const problemsZhCN = {
  roadshow_not_found: '没有找到这场路演活动。',
  slot_not_found: '议程中没有这一场，可能已被删除。',
  slot_overlap: '与议程中的另一场时间重叠。',
  already_published: '这场路演已经发布。',
  not_published: '这场路演尚未发布。',
  roadshow_published: '已发布的路演不能删除，请先撤回为草稿。',
  slot_already_first: '这一场已经是第一场。',
  slot_already_last: '这一场已经是最后一场。',
} as Record<string, string>
const problemsEn: typeof problemsZhCN = {
  roadshow_not_found: 'This roadshow was not found.',
  slot_not_found: 'This presentation is no longer on the agenda.',
  slot_overlap: 'This overlaps another presentation of the agenda.',
  already_published: 'This roadshow is published already.',
  not_published: 'This roadshow is not published.',
  roadshow_published: 'A published roadshow cannot be deleted; take it back to draft first.',
  slot_already_first: 'This presentation is the first already.',
  slot_already_last: 'This presentation is the last already.',
}

export const problemCodes: readonly string[] = Object.keys(problemsZhCN)

export default { problems: { zhCN: problemsZhCN, en: problemsEn } }
