/**
 * The only ECharts pieces the statistics page draws with, registered once. Importing from
 * `echarts/core` (not `echarts`) keeps every other chart type out of the bundle; the SVG renderer
 * draws crisp text at any zoom, and this module is reached only from the lazily loaded page.
 */
import { BarChart, PieChart } from 'echarts/charts'
import { AriaComponent, GridComponent, LegendComponent } from 'echarts/components'
import { use } from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'

use([BarChart, PieChart, AriaComponent, GridComponent, LegendComponent, SVGRenderer])

/** `init-options` of every chart: the canvas renderer is not registered. */
export const INIT_OPTIONS = { renderer: 'svg' } as const
