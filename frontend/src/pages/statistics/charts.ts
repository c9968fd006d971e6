/**
 * The statistics answer turned into ECharts options and the data tables beside them. Pure
 * functions of the data, the language and the width, so they are unit-tested without a browser;
 * only types come from ECharts here (the page registers the chart code).
 */
import type { BarSeriesOption, PieSeriesOption } from 'echarts/charts'
import type {
  AriaComponentOption,
  GridComponentOption,
  LegendComponentOption,
} from 'echarts/components'
import type { ComposeOption } from 'echarts/core'

import type { Breakdown, Funnel } from '@/api'

import { termName } from '../publicity/display'

export type ChartOption = ComposeOption<
  BarSeriesOption | PieSeriesOption | GridComponentOption | LegendComponentOption | AriaComponentOption
>

export type Translate = (key: string, named?: Record<string, unknown>) => string

export type ChartContext = {
  t: Translate
  locale: string
  /** Under about 520 px of chart width: smaller text and a narrower label column. */
  narrow: boolean
  animate: boolean
}

export type ChartSpec = { option: ChartOption; height: number }

export type DataTable = {
  columns: string[]
  /** The first cell names the row (a row header); the others are formatted numbers. */
  rows: { key: string; cells: string[] }[]
}

// The page's font stack (styles/main.css --fs-font), so Chinese renders in the same face.
const FONT =
  "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', " +
  "'Microsoft YaHei', 'WenQuanYi Micro Hei', system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
const TEXT = '#1f2329'
const AXIS_TEXT = '#3d4249'
const AXIS_LINE = '#8d9095'
const GRID_LINE = '#e4e7ed'

// Every fill keeps at least 3:1 against the white background (WCAG 1.4.11), and the two bar
// series 3:1 against each other, so they are told apart without relying on hue.
export const SERIES_COLOURS = { applications: '#6a8fd0', awards: '#0b3d91' } as const
export const STAGE_COLOURS = { stage: '#1a56b8', awarded: '#2b7030' } as const
export const LEVEL_COLOURS = ['#0b3d91', '#945400', '#2b7030', '#7b3fa0', '#c62828', '#00695c'] as const

export const FUNNEL_STAGES = ['submitted', 'accepted', 'reviewed', 'shortlisted', 'awarded'] as const
export type FunnelStage = (typeof FUNNEL_STAGES)[number]

export function formatCount(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value)
}

export function formatShare(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value)
}

function shareOf(part: number, whole: number): number {
  return whole ? part / whole : 0
}

/** Awards per submitted application; null while nothing was submitted. */
export function awardRate(funnel: Funnel): number | null {
  return funnel.submitted ? funnel.awarded / funnel.submitted : null
}

// --- rows -------------------------------------------------------------------------------------

export type StageRow = { stage: FunnelStage; label: string; count: number; share: number }

/** The stages in process order; `share` is of the submitted applications. */
export function funnelRows(funnel: Funnel, t: Translate): StageRow[] {
  return FUNNEL_STAGES.map((stage) => ({
    stage,
    label: t(`statistics.stages.${stage}`),
    count: funnel[stage],
    share: shareOf(funnel[stage], funnel.submitted),
  }))
}

export type BreakdownRow = {
  code: string
  name: string
  applications: number
  awards: number
  applicationShare: number
  awardShare: number
}

/** The breakdown in the server's (catalogue) order, named in `locale`. */
export function breakdownRows(items: Breakdown[], locale: string): BreakdownRow[] {
  return items.map((item) => ({
    code: item.code,
    name: termName(item, locale),
    applications: item.applications,
    awards: item.awards,
    applicationShare: item.application_share,
    awardShare: item.award_share,
  }))
}

/** Most awards first, then most applications; ties keep the order they came in. */
export function mostAwardedFirst(rows: BreakdownRow[]): BreakdownRow[] {
  return [...rows].sort((a, b) => b.awards - a.awards || b.applications - a.applications)
}

export type Slice = { code: string; name: string; value: number; share: number }
export type LevelMeasure = 'awards' | 'applications'

/**
 * The technical levels as shares of the awards, or of the applications while a selection has
 * no award yet (a batch in publicity). Empty levels are left out: a 0 % slice has no area
 * and only crowds the labels. Catalogue order (leading → advanced) is kept: the levels rank.
 */
export function levelSlices(
  items: Breakdown[],
  locale: string,
): { measure: LevelMeasure; slices: Slice[] } {
  const awards = items.reduce((sum, item) => sum + item.awards, 0)
  const measure: LevelMeasure = awards > 0 ? 'awards' : 'applications'
  const total = items.reduce((sum, item) => sum + item[measure], 0)
  const slices = items
    .filter((item) => item[measure] > 0)
    .map((item) => ({
      code: item.code,
      name: termName(item, locale),
      value: item[measure],
      share: shareOf(item[measure], total),
    }))
  return { measure, slices }
}

// --- tables -----------------------------------------------------------------------------------

export function funnelTable(rows: StageRow[], ctx: ChartContext): DataTable {
  const { t, locale } = ctx
  return {
    columns: [t('statistics.table.stage'), t('statistics.table.count'), t('statistics.table.ofSubmitted')],
    rows: rows.map((row) => ({
      key: row.stage,
      cells: [row.label, formatCount(row.count, locale), formatShare(row.share, locale)],
    })),
  }
}

/** `nameColumn`: the key under `statistics.table` of the first column (field, level, …). */
export function breakdownTable(rows: BreakdownRow[], nameColumn: string, ctx: ChartContext): DataTable {
  const { t, locale } = ctx
  return {
    columns: [
      t(`statistics.table.${nameColumn}`),
      t('statistics.table.applications'),
      t('statistics.table.applicationShare'),
      t('statistics.table.awards'),
      t('statistics.table.awardShare'),
    ],
    rows: rows.map((row) => ({
      key: row.code,
      cells: [
        row.name,
        formatCount(row.applications, locale),
        formatShare(row.applicationShare, locale),
        formatCount(row.awards, locale),
        formatShare(row.awardShare, locale),
      ],
    })),
  }
}

// --- layout -----------------------------------------------------------------------------------

export function labelFontSize(narrow: boolean): number {
  return narrow ? 12 : 13
}

export function axisLabelWidth(narrow: boolean): number {
  return narrow ? 104 : 176
}

/**
 * About how wide a label is drawn: CJK characters take a full em, Latin ones a little over
 * half. Enough to give each bar room for its wrapped label before ECharts measures the text.
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  let width = 0
  for (const char of text) width += /[\u2e80-\u9fff\uff00-\uffef]/.test(char) ? fontSize : fontSize * 0.6
  return width
}

/** Lines a category label wraps to in the label column (words do not break: one spare in 6). */
export function labelLines(text: string, narrow: boolean): number {
  const width = estimateTextWidth(text, labelFontSize(narrow)) * 1.15
  return Math.max(1, Math.ceil(width / axisLabelWidth(narrow)))
}

const LEGEND_SPACE = 36
const VALUE_AXIS_SPACE = 28

/** The height of one category of a horizontal bar chart: its bars, or its wrapped label. */
export function bandHeight(labels: string[], narrow: boolean, seriesCount: number): number {
  const lineHeight = labelFontSize(narrow) + 5
  const lines = Math.max(1, ...labels.map((label) => labelLines(label, narrow)))
  const bars = seriesCount * (narrow ? 14 : 16) + 14
  return Math.max(bars, lines * lineHeight + 12)
}

// --- options ----------------------------------------------------------------------------------

function base(ctx: ChartContext, description: string): ChartOption {
  return {
    aria: { enabled: true, label: { enabled: true, description } },
    animation: ctx.animate,
    animationDuration: 400,
    textStyle: { fontFamily: FONT, color: TEXT },
  }
}

function categoryAxis(names: string[], ctx: ChartContext) {
  const fontSize = labelFontSize(ctx.narrow)
  return {
    type: 'category' as const,
    // Categories run top to bottom in reading order (ECharts stacks them from the bottom).
    inverse: true,
    data: names,
    axisTick: { show: false },
    axisLine: { lineStyle: { color: AXIS_LINE } },
    axisLabel: {
      color: TEXT,
      fontSize,
      lineHeight: fontSize + 5,
      width: axisLabelWidth(ctx.narrow),
      overflow: 'break' as const,
    },
  }
}

/** `labelled: false` where every bar carries its number, so the scale would only repeat it. */
function valueAxis(ctx: ChartContext, { max, labelled = true }: { max?: number; labelled?: boolean } = {}) {
  return {
    type: 'value' as const,
    minInterval: 1,
    max,
    // Fewer ticks on a phone, where six numbers would touch.
    splitNumber: ctx.narrow ? 3 : 5,
    axisLabel: { show: labelled, color: AXIS_TEXT, fontSize: labelFontSize(ctx.narrow) },
    splitLine: { lineStyle: { color: GRID_LINE } },
  }
}

function grid(top: number, right: number, bottom = 0) {
  // Axis labels count into the chart's box, so a long field name shrinks the bars, never gets cut.
  return { top, right, bottom, left: 0, outerBoundsMode: 'same' as const, outerBoundsContain: 'axisLabel' as const }
}

function valueLabel(ctx: ChartContext, format: (value: number, index: number) => string) {
  return {
    show: true,
    position: 'right' as const,
    color: TEXT,
    fontSize: labelFontSize(ctx.narrow),
    formatter: (params: { value?: unknown; dataIndex: number }) =>
      format(Number(params.value ?? 0), params.dataIndex),
  }
}

/** Stages as horizontal bars, each labelled with its count and its share of the applications. */
export function funnelChart(rows: StageRow[], ctx: ChartContext, description: string): ChartSpec {
  const { t, locale } = ctx
  const labels = rows.map((row) => row.label)
  const band = bandHeight(labels, ctx.narrow, 1)
  const submitted = rows[0]?.count ?? 0
  return {
    height: rows.length * band + 16,
    option: {
      ...base(ctx, description),
      grid: grid(8, ctx.narrow ? 84 : 104, 8),
      xAxis: valueAxis(ctx, { max: submitted || undefined, labelled: false }),
      yAxis: categoryAxis(labels, ctx),
      series: [
        {
          type: 'bar',
          name: t('statistics.charts.funnel.heading'),
          barMaxWidth: 22,
          data: rows.map((row) => ({
            value: row.count,
            itemStyle: { color: row.stage === 'awarded' ? STAGE_COLOURS.awarded : STAGE_COLOURS.stage },
          })),
          label: valueLabel(ctx, (value, index) =>
            t('statistics.valueShare', {
              count: formatCount(value, locale),
              share: formatShare(rows[index]?.share ?? 0, locale),
            }),
          ),
        },
      ],
    },
  }
}

/** Applications and awards per category, side by side, as horizontal bars. */
export function breakdownChart(rows: BreakdownRow[], ctx: ChartContext, description: string): ChartSpec {
  const { t, locale } = ctx
  const names = rows.map((row) => row.name)
  const band = bandHeight(names, ctx.narrow, 2)
  const fontSize = labelFontSize(ctx.narrow)
  const series = (['applications', 'awards'] as const).map(
    (measure): BarSeriesOption => ({
      type: 'bar',
      name: t(`statistics.series.${measure}`),
      barMaxWidth: 16,
      barGap: '15%',
      itemStyle: { color: SERIES_COLOURS[measure] },
      data: rows.map((row) => row[measure]),
      label: valueLabel(ctx, (value) => formatCount(value, locale)),
    }),
  )
  return {
    height: LEGEND_SPACE + rows.length * band + VALUE_AXIS_SPACE,
    option: {
      ...base(ctx, description),
      legend: {
        top: 0,
        left: 0,
        selectedMode: false,
        itemWidth: 14,
        itemHeight: 14,
        textStyle: { color: TEXT, fontSize },
      },
      grid: grid(LEGEND_SPACE, 40),
      xAxis: valueAxis(ctx),
      yAxis: categoryAxis(names, ctx),
      series,
    },
  }
}

/** A donut of the level shares; the legend below names each level with its count and share. */
export function levelChart(slices: Slice[], ctx: ChartContext, description: string): ChartSpec {
  const { t, locale } = ctx
  const fontSize = labelFontSize(ctx.narrow)
  const legendLine = fontSize + 12
  const legendHeight = slices.length * legendLine
  const pie = ctx.narrow ? 220 : 260
  const byName = new Map(slices.map((slice) => [slice.name, slice]))
  return {
    height: pie + legendHeight + 16,
    option: {
      ...base(ctx, description),
      legend: {
        orient: 'vertical',
        bottom: 0,
        left: 'center',
        selectedMode: false,
        itemWidth: 14,
        itemHeight: 14,
        itemGap: 12,
        textStyle: { color: TEXT, fontSize },
        formatter: (name: string) => {
          const slice = byName.get(name)
          if (!slice) return name
          return t('statistics.legendItem', {
            name,
            count: formatCount(slice.value, locale),
            share: formatShare(slice.share, locale),
          })
        },
      },
      series: [
        {
          type: 'pie',
          name: t('statistics.charts.levels.heading'),
          top: 0,
          height: pie,
          radius: ['42%', '72%'],
          avoidLabelOverlap: true,
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          label: {
            color: TEXT,
            fontSize,
            formatter: (params: { dataIndex: number }) =>
              formatShare(slices[params.dataIndex]?.share ?? 0, locale),
          },
          labelLine: { length: 8, length2: 8, lineStyle: { color: AXIS_LINE } },
          data: slices.map((slice, index) => ({
            name: slice.name,
            value: slice.value,
            itemStyle: { color: LEVEL_COLOURS[index % LEVEL_COLOURS.length] },
          })),
        },
      ],
    },
  }
}
