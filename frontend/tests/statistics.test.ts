import { VueQueryPlugin } from '@tanstack/vue-query'
import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import type { Breakdown, FollowUp, Funnel, Statistics, StatisticsBlock } from '@/api'
import statisticsMessages, { problemCodes } from '@/i18n/domains/statistics'
import {
  awardRate,
  bandHeight,
  breakdownChart,
  breakdownRows,
  breakdownTable,
  funnelChart,
  funnelRows,
  funnelTable,
  labelLines,
  LEVEL_COLOURS,
  levelChart,
  levelSlices,
  mostAwardedFirst,
  SERIES_COLOURS,
  type ChartContext,
  type Translate,
} from '@/pages/statistics/charts'
import { followUpFigures, followUpTable, formatYuan, tableCsv, unverifiedCount, yearsTable } from '@/pages/statistics/followup'
import StatisticsPage from '@/pages/statistics/StatisticsPage.vue'
import { problemMessage } from '@/problems'
import { createAppQueryClient } from '@/queries/client'
import { queryKeys } from '@/queries/keys'

import { createAppI18n } from './support/messages'

function translator(locale: 'zh-CN' | 'en'): Translate {
  const { t } = createAppI18n(locale).global
  return (key, named) => (named ? t(key, named) : t(key))
}

function context(locale: 'zh-CN' | 'en', narrow = false): ChartContext {
  return { t: translator(locale), locale, narrow, animate: false }
}

const funnel: Funnel = { submitted: 68, accepted: 58, reviewed: 58, shortlisted: 49, awarded: 40, revoked: 1 }
const noFunnel: Funnel = { submitted: 0, accepted: 0, reviewed: 0, shortlisted: 0, awarded: 0, revoked: 0 }

/** The 2021 picture: 19 of 40 in demonstration, 9.64 亿 of intentions, 98.5 亿 of investment. */
function followupOf(awards: number): FollowUp {
  return {
    awards,
    demonstration: {
      projects: 23,
      awards_in_demonstration: 19,
      demonstration_share: awards ? 19 / awards : 0,
      expected_investment_yuan: '9850000000.00',
      unverified: 2,
    },
    intentions: {
      count: 31,
      intent_yuan: '412000000.00',
      signed_yuan: '552000000.50',
      total_yuan: '964000000.50',
      unverified: 1,
    },
    insurance: {
      policies: 12,
      awards_insured: 11,
      coverage_share: awards ? 11 / awards : 0,
      premium_yuan: '3600000.00',
      subsidy_yuan: '2880000.00',
      unverified: 0,
    },
  }
}

function bucket(code: string, name_zh: string, name_en: string, applications: number, awards: number): Breakdown {
  return {
    code,
    name_zh,
    name_en,
    applications,
    awards,
    application_share: Math.round((applications / 68) * 10_000) / 10_000,
    award_share: Math.round((awards / 40) * 10_000) / 10_000,
  }
}

const fields: Breakdown[] = [
  bucket('pharma_health', '医药健康', 'Pharma & health', 13, 5),
  bucket('integrated_circuits', '集成电路', 'Integrated circuits', 12, 6),
  bucket('transport', '交通', 'Transport', 8, 5),
  bucket('robotics_manufacturing', '机器人及智能制造', 'Robotics & intelligent manufacturing', 11, 9),
  bucket('aerospace', '航空航天', 'Aerospace', 6, 5),
]

const levels: Breakdown[] = [
  bucket('international_leading', '国际领先', 'International leading', 19, 13),
  bucket('international_advanced', '国际先进', 'International advanced', 20, 9),
  bucket('domestic_leading', '国内领先', 'Domestic leading', 16, 0),
  bucket('domestic_advanced', '国内先进', 'Domestic advanced', 13, 18),
]

/** The option's parts the tests look at, without ECharts' union types in the way. */
type Inspected = {
  aria: { enabled: boolean; label: { description: string } }
  legend?: { formatter?: (name: string) => string }
  xAxis?: { max?: number }
  yAxis?: { data: string[]; inverse: boolean }
  series: {
    name: string
    data: (number | { name?: string; value: number; itemStyle?: { color: string } })[]
    itemStyle?: { color: string }
    label: { formatter: (params: { value?: unknown; dataIndex: number }) => string }
  }[]
}

const inspect = (option: unknown) => option as Inspected

describe('funnel', () => {
  it('lists the stages in process order with their share of the applications', () => {
    const rows = funnelRows(funnel, translator('zh-CN'))
    expect(rows.map((r) => r.stage)).toEqual(['submitted', 'accepted', 'reviewed', 'shortlisted', 'awarded'])
    expect(rows.map((r) => r.count)).toEqual([68, 58, 58, 49, 40])
    expect(rows[0]!.share).toBe(1)
    expect(rows[4]!.share).toBeCloseTo(40 / 68)
    expect(rows[0]!.label).toBe('申报')
    expect(funnelRows(funnel, translator('en'))[4]!.label).toBe('Awarded')
  })

  it('has no shares and no award rate before anything is submitted', () => {
    const rows = funnelRows(noFunnel, translator('en'))
    expect(rows.every((r) => r.share === 0)).toBe(true)
    expect(awardRate(noFunnel)).toBeNull()
    expect(awardRate(funnel)).toBeCloseTo(40 / 68)
  })

  it('labels the bars in the current language and caps the axis at the applications', () => {
    for (const [locale, stage, value] of [
      ['zh-CN', '获得认定', '40（58.8%）'],
      ['en', 'Awarded', '40 (58.8%)'],
    ] as const) {
      const ctx = context(locale)
      const rows = funnelRows(funnel, ctx.t)
      const option = inspect(funnelChart(rows, ctx, 'the description').option)
      expect(option.yAxis!.data).toContain(stage)
      expect(option.yAxis!.inverse).toBe(true)
      expect(option.xAxis!.max).toBe(68)
      expect(option.series[0]!.label.formatter({ value: 40, dataIndex: 4 })).toBe(value)
      expect(option.aria).toEqual({ enabled: true, label: { enabled: true, description: 'the description' } })
    }
  })

  it('tabulates the same numbers', () => {
    const ctx = context('en')
    const table = funnelTable(funnelRows(funnel, ctx.t), ctx)
    expect(table.columns).toEqual(['Stage', 'Applications', 'Share of applications'])
    expect(table.rows.map((r) => r.cells)).toContainEqual(['Awarded', '40', '58.8%'])
    expect(table.rows).toHaveLength(5)
  })
})

describe('breakdowns', () => {
  it('names the categories in the current language', () => {
    expect(breakdownRows(fields, 'zh-CN').map((r) => r.name)).toContain('机器人及智能制造')
    expect(breakdownRows(fields, 'en').map((r) => r.name)).toContain('Robotics & intelligent manufacturing')
  })

  it('puts the most awarded first, then the most applied for, ties in catalogue order', () => {
    const order = mostAwardedFirst(breakdownRows(fields, 'en')).map((r) => r.code)
    expect(order).toEqual(['robotics_manufacturing', 'integrated_circuits', 'pharma_health', 'transport', 'aerospace'])
    // The input is left as it came.
    expect(breakdownRows(fields, 'en')[0]!.code).toBe('pharma_health')
  })

  it('draws applications and awards as two labelled series in the contrast colours', () => {
    const ctx = context('en')
    const rows = mostAwardedFirst(breakdownRows(fields, 'en'))
    const option = inspect(breakdownChart(rows, ctx, 'fields').option)
    expect(option.series.map((s) => s.name)).toEqual(['Applications', 'Awards'])
    expect(option.series.map((s) => s.itemStyle?.color)).toEqual([SERIES_COLOURS.applications, SERIES_COLOURS.awards])
    expect(option.series[1]!.data).toEqual([9, 6, 5, 5, 5])
    expect(option.yAxis!.data[0]).toBe('Robotics & intelligent manufacturing')

    const zh = inspect(breakdownChart(mostAwardedFirst(breakdownRows(fields, 'zh-CN')), context('zh-CN'), 'fields').option)
    expect(zh.series.map((s) => s.name)).toEqual(['申报数', '认定数'])
    expect(zh.yAxis!.data[0]).toBe('机器人及智能制造')
  })

  it('tabulates counts and shares per category', () => {
    const ctx = context('zh-CN')
    const table = breakdownTable(mostAwardedFirst(breakdownRows(fields, 'zh-CN')), 'field', ctx)
    expect(table.columns).toEqual(['领域', '申报数', '申报占比', '认定数', '认定占比'])
    expect(table.rows[0]).toEqual({ key: 'robotics_manufacturing', cells: ['机器人及智能制造', '11', '16.2%', '9', '22.5%'] })
  })

  it('draws an empty chart for no categories', () => {
    const spec = breakdownChart([], context('en'), 'nothing')
    expect(inspect(spec.option).yAxis!.data).toEqual([])
    expect(inspect(spec.option).series.every((s) => s.data.length === 0)).toBe(true)
    expect(spec.height).toBeGreaterThan(0)
  })

  it('gives long labels more room, more so on a phone', () => {
    const long = 'High-end energy, energy-saving & environmental equipment'
    expect(labelLines('交通', false)).toBe(1)
    expect(labelLines(long, true)).toBeGreaterThan(labelLines(long, false))
    expect(bandHeight([long], true, 2)).toBeGreaterThan(bandHeight(['交通'], true, 2))
    const fewRows = breakdownChart(breakdownRows(fields.slice(0, 2), 'en'), context('en'), '').height
    expect(breakdownChart(breakdownRows(fields, 'en'), context('en'), '').height).toBeGreaterThan(fewRows)
  })
})

describe('technical levels', () => {
  it('shares the awards among the levels, leaving empty ones out, in catalogue order', () => {
    const { measure, slices } = levelSlices(levels, 'zh-CN')
    expect(measure).toBe('awards')
    expect(slices.map((s) => s.code)).toEqual(['international_leading', 'international_advanced', 'domestic_advanced'])
    expect(slices.map((s) => s.value)).toEqual([13, 9, 18])
    expect(slices.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1, 10)
    expect(slices[0]!.name).toBe('国际领先')
  })

  it('falls back to the applications while nothing is awarded (a batch in publicity)', () => {
    const pending = levels.map((l) => ({ ...l, awards: 0, award_share: 0 }))
    const { measure, slices } = levelSlices(pending, 'en')
    expect(measure).toBe('applications')
    expect(slices.map((s) => s.value)).toEqual([19, 20, 16, 13])
    expect(slices.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1, 10)
    expect(slices[0]!.name).toBe('International leading')
  })

  it('has no slices for no data', () => {
    expect(levelSlices([], 'en')).toEqual({ measure: 'applications', slices: [] })
    const option = inspect(levelChart([], context('en'), '').option)
    expect(option.series[0]!.data).toEqual([])
  })

  it('labels slices with their share and the legend with name, count and share per language', () => {
    for (const [locale, legend, label] of [
      ['zh-CN', '国际领先：13（32.5%）', '32.5%'],
      ['en', 'International leading: 13 (32.5%)', '32.5%'],
    ] as const) {
      const { slices } = levelSlices(levels, locale)
      const option = inspect(levelChart(slices, context(locale), '').option)
      expect(option.legend!.formatter!(slices[0]!.name)).toBe(legend)
      expect(option.series[0]!.label.formatter({ dataIndex: 0 })).toBe(label)
      const colours = option.series[0]!.data.map((d) => (typeof d === 'number' ? '' : d.itemStyle?.color))
      expect(colours).toEqual(LEVEL_COLOURS.slice(0, 3))
    }
  })
})

describe('statistics messages', () => {
  it('has a message for each problem code in both languages', () => {
    for (const code of problemCodes) {
      expect(statisticsMessages.problems.zhCN[code]).toBeTruthy()
      expect(statisticsMessages.problems.en[code]).toBeTruthy()
    }
    expect(problemMessage({ code: 'batch_not_found', title: 'Not Found' })).toContain('批次')
  })
})

describe('StatisticsPage', () => {
  const block = (f: Funnel, items: Breakdown[] = fields): StatisticsBlock => ({
    funnel: f,
    followup: followupOf(f.awarded),
    fields: items,
    levels,
    product_types: [],
    districts: [],
  })
  const brief = {
    id: 'b2021',
    year: 2021,
    sequence: 1,
    title_zh: '2021年第一批首台(套)重大技术装备',
    title_en: '2021 first batch',
    status: 'announced' as const,
  }
  const answer: Statistics = {
    overall: block(funnel),
    batches: [{ ...block(funnel), batch: brief }],
    years: [{ year: 2021, funnel, followup: followupOf(funnel.awarded) }],
  }

  async function mountPage(data: Statistics, locale: 'zh-CN' | 'en' = 'zh-CN') {
    const queryClient = createAppQueryClient()
    queryClient.setQueryDefaults(queryKeys.statistics.all, { staleTime: Infinity })
    queryClient.setQueryData(queryKeys.statistics.read(''), data)
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { render: () => null } }] })
    await router.push('/statistics')
    const i18n = createAppI18n(locale)
    const wrapper = mount(StatisticsPage, {
      global: {
        plugins: [router, i18n, [VueQueryPlugin, { queryClient }]],
        // ECharts cannot draw in jsdom; the chart panels are checked through their props.
        stubs: { ChartPanel: true },
      },
    })
    await flushPromises()
    return { wrapper, i18n }
  }

  it('says so when no batch is published', async () => {
    const { wrapper } = await mountPage({ overall: block(noFunnel, []), batches: [], years: [] })
    expect(wrapper.get('[data-testid=statistics-empty]').text()).toContain('还没有已公布的批次')
    expect(wrapper.find('[data-testid=statistics-batch]').exists()).toBe(false)
    expect(wrapper.findAll('h1')).toHaveLength(1)
  })

  it('shows the headline figures, the batches to choose from and a panel per chart', async () => {
    const { wrapper } = await mountPage(answer)
    expect(wrapper.get('[data-testid=figure-awarded]').attributes('data-value')).toBe('40')
    expect(wrapper.get('[data-testid=figure-awardRate] dd').text()).toContain('58.8%')
    const options = wrapper.findAll('[data-testid=statistics-batch] option')
    expect(options.map((o) => o.text())).toEqual(['全部已公布批次', '2021年第一批首台(套)重大技术装备'])
    // Product types and districts are empty here: no chart for them.
    const panels = wrapper.findAllComponents({ name: 'ChartPanel' })
    expect(panels.map((p) => p.props('id'))).toEqual(['funnel', 'fields', 'levels'])
  })

  it('relabels the charts when the language changes', async () => {
    const { wrapper, i18n } = await mountPage(answer)
    const fieldsPanel = () => wrapper.findAllComponents({ name: 'ChartPanel' })[1]!
    expect(inspect(fieldsPanel().props('spec').option).yAxis!.data).toContain('集成电路')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(inspect(fieldsPanel().props('spec').option).yAxis!.data).toContain('Integrated circuits')
    expect(fieldsPanel().props('heading')).toBe('Applications and awards per field')
    expect(wrapper.get('[data-testid=statistics-batch] option').text()).toBe('All published batches')
  })
})

describe('follow-up figures', () => {
  const t = (key: string, named?: Record<string, unknown>) => `${key}${named ? JSON.stringify(named) : ''}`

  it('reports large amounts in 亿元 and 万元, and compactly in English', () => {
    expect(formatYuan('964000000.50', 'zh-CN')).toBe('9.64 亿元')
    expect(formatYuan('9850000000.00', 'zh-CN')).toBe('98.5 亿元')
    expect(formatYuan('2880000.00', 'zh-CN')).toBe('288 万元')
    expect(formatYuan('99.5', 'zh-CN')).toBe('99.5 元')
    expect(formatYuan('964000000.50', 'en')).toBe('CN¥964M')
    expect(formatYuan('not a number', 'en')).toBe('not a number')
  })

  it('makes the four headline cards from the answer', () => {
    const cards = followUpFigures(followupOf(40), 'zh-CN', t)
    expect(cards.map((c) => c.key)).toEqual(['demonstration', 'intentions', 'investment', 'insurance'])
    expect(cards[0]!.value).toBe('47.5%')
    expect(cards[0]!.detail).toContain('"n":"19"')
    expect(cards[1]!.value).toBe('9.64 亿元')
    expect(cards[2]!.value).toBe('98.5 亿元')
    expect(cards[3]!.value).toBe('27.5%')
    expect(unverifiedCount(followupOf(40))).toBe(3)
  })

  it('keeps the exact amounts in the table', () => {
    const table = followUpTable(followupOf(40), 'en', t)
    const total = table.rows.find((r) => r.key === 'totalYuan')
    expect(total!.cells[1]).toBe('964,000,000.50')
    expect(table.rows.find((r) => r.key === 'unverified')!.cells[1]).toBe('3')
  })

  it('lists the years with their headline figures', () => {
    const table = yearsTable([{ year: 2021, funnel, followup: followupOf(40) }], 'zh-CN', t)
    expect(table.columns).toHaveLength(7)
    expect(table.rows[0]!.cells).toEqual(['2021', '68', '40', '47.5%', '9.64 亿元', '98.5 亿元', '27.5%'])
  })

  it('writes CSV with a BOM, quoting and formula cells neutralised', () => {
    const csv = tableCsv({
      columns: ['名称', 'Value'],
      rows: [
        { key: 'a', cells: ['=HYPERLINK("x")', '1,234'] },
        { key: 'b', cells: ['-1', 'plain'] },
      ],
    })
    expect(csv.startsWith('\uFEFF')).toBe(true)
    expect(csv).toBe('\uFEFF名称,Value\r\n"\'=HYPERLINK(""x"")","1,234"\r\n\'-1,plain\r\n')
  })
})
