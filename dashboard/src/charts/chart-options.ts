import type uPlot from 'uplot'
import type { ChartData } from './chart-data.ts'

/** Okabe–Ito colours (distinguishable with colour-vision deficiencies); series also differ by dash and legend label. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000']
const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3]]
/** A threshold line: the status colour for "bad", long dashes, thinner than data and without points. */
const THRESHOLD_STYLE = { stroke: '#8a1c12', dash: [12, 6], width: 1.5, points: { show: false } }

export interface ChartStyle {
  /** y axis title, e.g. `ms` */
  yLabel: string
  /** fixed y range (e.g. 0–100 for shares); otherwise from the data, starting at 0 */
  yRange?: [number, number]
  /** format of legend and cursor values */
  format?: (v: number) => string
}

/** uPlot's options for a line chart of `data` at `width`×`height`. */
export function lineChartOptions(data: ChartData, style: ChartStyle, width: number, height: number): uPlot.Options {
  const format = style.format ?? ((v: number) => v.toLocaleString(undefined, { maximumFractionDigits: 2 }))
  return {
    width,
    height,
    series: [
      {},
      ...data.series.map((s, i) => ({
        label: s.label,
        stroke: COLOURS[i % COLOURS.length]!,
        width: 2,
        ...(DASHES[i % DASHES.length] ? { dash: DASHES[i % DASHES.length]! } : {}),
        spanGaps: false,
        points: { show: data.x.length < 60 },
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
        ...(s.kind === 'threshold' ? THRESHOLD_STYLE : {}),
      })),
    ],
    scales: { y: style.yRange ? { range: style.yRange } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [{}, { label: style.yLabel, size: 60 }],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
  }
}

/** uPlot's aligned data (`[x, ...series]`). */
export function alignedData(data: ChartData): uPlot.AlignedData {
  return [data.x, ...data.series.map((s) => s.values)]
}
