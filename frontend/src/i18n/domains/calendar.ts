// Messages of the calendar screens in both languages; merged into the locale files under `calendar`.
// Problem codes the calendar API answers go in `problemCodes` with a message in both `problems`.

const zhCN = {
  title: '工作日历',
  heading: '工作日历',
  intro:
    '公示期和补正期限按工作日计算：周一至周五上班，法定节假日除外，周末调休上班的日子计入。chinese-calendar 数据包已知的年份会自动导入；之后的年份请按国务院办公厅公布的安排在此录入。',
  loadFailed: '工作日历加载失败。',
  card: '维护节假日和调休安排，录入数据包尚未包含的年份，并试算工作日。',
  years: {
    heading: '已有年份',
    label: '选择年份',
    empty: '还没有任何年份。',
    source: { library: '数据包', admin: '管理员录入' },
  },
  enter: {
    heading: '录入新的年份',
    year: '年份',
    submit: '开始录入',
    invalid: '请输入 2000–2100 之间的年份',
    exists: '{year} 年已存在，已为您打开。',
  },
  year: {
    heading: '{year} 年',
    source: '来源：{source}',
    updatedAt: '更新于 {time}',
    counts: '节假日 {holidays} 天 · 调休上班 {makeUp} 天',
    none: '该年没有节假日或调休记录：周一至周五均为工作日，周末休息。',
    unknown: '{year} 年还没有工作日历。',
    edit: '编辑 {year} 年',
    delete: '删除 {year} 年',
    libraryNoDelete: '该年份来自 chinese-calendar 数据包，不能删除；如需调整，请编辑修订（修订后来源变为“管理员录入”）。',
    confirmDelete: '确定删除 {year} 年的工作日历吗？删除后，凡是涉及该年的工作日计算（公示期、补正期限）都会失败，直到重新录入。',
    deleted: '{year} 年的工作日历已删除。',
    days: '{year} 年的节假日与调休',
  },
  kind: {
    label: '类型',
    holiday: '放假',
    makeUp: '调休上班',
  },
  editor: {
    heading: '编辑 {year} 年',
    newHeading: '录入 {year} 年',
    hint: '只需列出与“周一至周五上班、周末休息”不同的日子：工作日放假（节假日）和周末上班（调休）。节假日期间的周末也可以列出，但须填写名称。',
    day: '日期',
    nameZh: '名称（中文）',
    nameEn: '名称（英文）',
    row: '第 {n} 行',
    addRow: '添加一天',
    removeRow: '删除第 {n} 行',
    sort: '按日期排序',
    empty: '还没有添加任何日子。保存空列表表示该年没有节假日和调休。',
    save: '保存 {year} 年',
    cancel: '放弃修改',
    confirmSave: '保存后，这 {n} 条记录将替换 {year} 年的全部记录，该年份的来源将变为“管理员录入”。确定保存吗？',
    saved: '{year} 年的工作日历已保存。',
    fixRows: '请先修正标出的行。',
    weekday: '星期：{day}',
    discard: '正在编辑的 {year} 年尚未保存，确定放弃修改吗？',
  },
  calculator: {
    heading: '工作日计算',
    hint: '从开始日期起（开始日期是工作日时计入）数到第 N 个工作日，与系统计算公示期和补正期限的方法相同。',
    start: '开始日期',
    days: '工作日数',
    run: '计算',
    result: '从 {start} 起的第 {days} 个工作日是',
    daysRange: '请输入 1–366 之间的整数',
    unknownYear: '{year} 年还没有工作日历，无法计算——请先录入该年的节假日和调休。',
    enterYear: '录入 {year} 年',
  },
  rowErrors: {
    day_outside_year: '日期不在 {year} 年内',
    duplicate_day: '该日期已列出，不能重复',
    working_day_not_weekend: '调休上班日必须是周六或周日（周一至周五本来就上班）',
    weekend_not_named: '周末本来就休息；只有属于节假日的周末才需列出，并须填写名称',
  },
}

const en: typeof zhCN = {
  title: 'Working-day calendar',
  heading: 'Working-day calendar',
  intro:
    'Publicity windows and correction deadlines count working days: Monday to Friday, less the public holidays, plus the weekend make-up working days (调休). Years the chinese-calendar package knows are imported automatically; enter later years here as the State Council publishes them.',
  loadFailed: 'The working-day calendar could not be loaded.',
  card: 'Keep the holidays and make-up working days, enter years the package does not know yet, and count working days.',
  years: {
    heading: 'Known years',
    label: 'Choose a year',
    empty: 'No year is known yet.',
    source: { library: 'Package', admin: 'Entered by an admin' },
  },
  enter: {
    heading: 'Enter a new year',
    year: 'Year',
    submit: 'Start entering',
    invalid: 'Enter a year between 2000 and 2100',
    exists: '{year} is known already and has been opened.',
  },
  year: {
    heading: '{year}',
    source: 'Source: {source}',
    updatedAt: 'Updated {time}',
    counts: '{holidays} holiday(s) · {makeUp} make-up working day(s)',
    none: 'No holidays or make-up days in this year: Monday to Friday are working days, weekends are off.',
    unknown: '{year} has no working-day calendar yet.',
    edit: 'Edit {year}',
    delete: 'Delete {year}',
    libraryNoDelete:
      'This year comes from the chinese-calendar package and cannot be deleted; edit it to amend it (its source then becomes “entered by an admin”).',
    confirmDelete:
      'Delete the working-day calendar of {year}? Every working-day count that reaches that year (publicity windows, correction deadlines) will fail until it is entered again.',
    deleted: 'The working-day calendar of {year} is deleted.',
    days: 'Holidays and make-up days of {year}',
  },
  kind: {
    label: 'Kind',
    holiday: 'Holiday',
    makeUp: 'Make-up working day',
  },
  editor: {
    heading: 'Edit {year}',
    newHeading: 'Enter {year}',
    hint: 'List only the days that differ from “Monday to Friday working, weekends off”: weekday holidays and weekend make-up working days (调休). Weekend days inside a holiday may be listed too, with a name.',
    day: 'Date',
    nameZh: 'Name (Chinese)',
    nameEn: 'Name (English)',
    row: 'Row {n}',
    addRow: 'Add a day',
    removeRow: 'Remove row {n}',
    sort: 'Sort by date',
    empty: 'No day added yet. Saving an empty list means the year has no holidays and no make-up days.',
    save: 'Save {year}',
    cancel: 'Discard changes',
    confirmSave:
      'These {n} day(s) will replace every stored day of {year}, and the year\'s source becomes “entered by an admin”. Save?',
    saved: 'The working-day calendar of {year} is saved.',
    fixRows: 'Correct the marked rows first.',
    weekday: 'Weekday: {day}',
    discard: 'Your changes to {year} are not saved. Discard them?',
  },
  calculator: {
    heading: 'Working-day calculator',
    hint: 'Counts to the N-th working day from the start date (the start date counts when it is a working day) — the way publicity windows and correction deadlines are counted.',
    start: 'Start date',
    days: 'Working days',
    run: 'Calculate',
    result: 'Working day {days} from {start} is',
    daysRange: 'Enter a whole number from 1 to 366',
    unknownYear: '{year} has no working-day calendar yet, so this cannot be counted — enter its holidays and make-up days first.',
    enterYear: 'Enter {year}',
  },
  rowErrors: {
    day_outside_year: 'The date is not in {year}',
    duplicate_day: 'This date is listed already',
    working_day_not_weekend: 'A make-up working day must be a Saturday or Sunday (weekdays are working days anyway)',
    weekend_not_named: 'Weekends are off anyway; list a weekend day only as part of a named holiday, with its name',
  },
}

const problemsZhCN = {
  calendar_year_unknown: '该年份还没有工作日历，请管理员先录入。',
  calendar_year_from_library: '该年份来自 chinese-calendar 数据包，不能删除，只能编辑修订。',
} as Record<string, string>
const problemsEn: typeof problemsZhCN = {
  calendar_year_unknown: 'That year has no working-day calendar yet; an administrator must enter it first.',
  calendar_year_from_library: 'That year comes from the chinese-calendar package; it can be amended but not deleted.',
}

export const problemCodes: readonly string[] = ['calendar_year_unknown', 'calendar_year_from_library']

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
