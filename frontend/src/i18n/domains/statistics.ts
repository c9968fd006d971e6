// Messages of the statistics screens in both languages; merged into the locale files under `statistics`.
// Problem codes the statistics API answers go in `problemCodes` with a message in both `problems`.
// vue-i18n treats { } @ | $ as syntax: write a literal @ as {'@'}.

const zhCN = {
  title: '统计数据',
  heading: '首台(套)重大技术装备认定统计',
  lead: '已公示或已公布结果的批次中，从申报到获得认定的数量，以及按领域、技术水平、产品类型和所在区的分布。仍在评审中的批次不计入。',
  batch: '统计范围',
  allBatches: '全部已公布批次',
  inPublicity: '该批次正在公示，认定结果尚未公布，因此认定数为 0。',
  loadError: '统计数据暂时无法加载。',
  updating: '正在更新统计数据…',
  empty: '目前还没有已公布的批次。',
  emptyHint: '批次进入公示后，其统计数据将在此发布。',
  figuresHeading: '主要数据',
  figures: {
    submitted: '申报',
    accepted: '通过形式审查',
    shortlisted: '拟入选（公示）',
    awarded: '获得认定',
    revoked: '认定已撤销',
    awardRate: '认定率',
    awardRateHint: '获得认定数占申报数的比例',
  },
  stages: {
    submitted: '申报',
    accepted: '通过形式审查',
    reviewed: '完成专家评审',
    shortlisted: '拟入选（公示）',
    awarded: '获得认定',
  },
  series: {
    applications: '申报数',
    awards: '认定数',
  },
  valueShare: '{count}（{share}）',
  legendItem: '{name}：{count}（{share}）',
  charts: {
    funnel: {
      heading: '从申报到认定',
      description: '横向条形图：到达各阶段的申报数量，从申报到获得认定。具体数字见图下的数据表。',
    },
    fields: {
      heading: '各领域的申报与认定',
      description: '横向条形图：各领域的申报数和认定数，按认定数从多到少排列。具体数字见图下的数据表。',
    },
    levels: {
      heading: '技术水平分布',
      awardsNote: '获得认定的产品按申报技术水平的分布。',
      applicationsNote: '尚无获得认定的产品：此处为申报产品按申报技术水平的分布。',
      description: '环形图：各技术水平所占的比例。具体数字见图下的数据表。',
    },
    productTypes: {
      heading: '各产品类型的申报与认定',
      description: '横向条形图：各产品类型的申报数和认定数，按认定数从多到少排列。具体数字见图下的数据表。',
    },
    districts: {
      heading: '各区的申报与认定',
      description: '横向条形图：各区的申报数和认定数，按认定数从多到少排列。具体数字见图下的数据表。',
    },
  },
  table: {
    show: '查看“{chart}”的数据表',
    stage: '阶段',
    count: '数量',
    ofSubmitted: '占申报数',
    field: '领域',
    level: '技术水平',
    productType: '产品类型',
    district: '所在区',
    applications: '申报数',
    applicationShare: '申报占比',
    awards: '认定数',
    awardShare: '认定占比',
  },
}

const en: typeof zhCN = {
  title: 'Statistics',
  heading: 'First (Set) of Major Technical Equipment in figures',
  lead: 'How many applications of the batches in publicity or announced went from application to award, and how they spread over fields, technical levels, product types and districts. Batches still under review are not counted.',
  batch: 'Batches counted',
  allBatches: 'All published batches',
  inPublicity: 'This batch is in publicity and its results are not announced yet, so it has no awards.',
  loadError: 'The statistics cannot be loaded right now.',
  updating: 'Updating the statistics…',
  empty: 'No batch has been published yet.',
  emptyHint: 'The statistics of a batch appear here once it goes into publicity.',
  figuresHeading: 'Key figures',
  figures: {
    submitted: 'Applications',
    accepted: 'Passed formal review',
    shortlisted: 'Shortlisted (publicity)',
    awarded: 'Awarded',
    revoked: 'Awards revoked',
    awardRate: 'Award rate',
    awardRateHint: 'Awards as a share of applications',
  },
  stages: {
    submitted: 'Applied',
    accepted: 'Passed formal review',
    reviewed: 'Reviewed by experts',
    shortlisted: 'Shortlisted',
    awarded: 'Awarded',
  },
  series: {
    applications: 'Applications',
    awards: 'Awards',
  },
  valueShare: '{count} ({share})',
  legendItem: '{name}: {count} ({share})',
  charts: {
    funnel: {
      heading: 'From application to award',
      description: 'Horizontal bar chart: applications that reached each stage, from application to award. The numbers are in the data table below the chart.',
    },
    fields: {
      heading: 'Applications and awards per field',
      description: 'Horizontal bar chart: applications and awards per field, most awards first. The numbers are in the data table below the chart.',
    },
    levels: {
      heading: 'Technical levels',
      awardsNote: 'Awarded products by the technical level claimed.',
      applicationsNote: 'No product has been awarded yet: this shows the applications by the technical level claimed.',
      description: 'Donut chart: the share of each technical level. The numbers are in the data table below the chart.',
    },
    productTypes: {
      heading: 'Applications and awards per product type',
      description: 'Horizontal bar chart: applications and awards per product type, most awards first. The numbers are in the data table below the chart.',
    },
    districts: {
      heading: 'Applications and awards per district',
      description: 'Horizontal bar chart: applications and awards per district, most awards first. The numbers are in the data table below the chart.',
    },
  },
  table: {
    show: 'Data table: {chart}',
    stage: 'Stage',
    count: 'Applications',
    ofSubmitted: 'Share of applications',
    field: 'Field',
    level: 'Technical level',
    productType: 'Product type',
    district: 'District',
    applications: 'Applications',
    applicationShare: 'Share of applications',
    awards: 'Awards',
    awardShare: 'Share of awards',
  },
}

const problemsZhCN = {
  batch_not_found: '没有找到该批次，或其统计数据尚未公布。',
} as Record<string, string>
const problemsEn: typeof problemsZhCN = {
  batch_not_found: 'This batch does not exist or its statistics are not published yet.',
}

export const problemCodes: readonly string[] = Object.keys(problemsZhCN)

export default { zhCN, en, problems: { zhCN: problemsZhCN, en: problemsEn } }
