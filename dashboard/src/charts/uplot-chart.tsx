import { useEffect, useId, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import type { ChartData } from './chart-data.ts'
import { alignedData, lineChartOptions, type ChartStyle } from './chart-options.ts'

interface Props {
  /** the figure's caption, also naming the chart for assistive technology */
  caption: string
  /** the chart in words (visually hidden) */
  summary: string
  data: ChartData
  style: ChartStyle
  height?: number
  /** while true, `note` stands in for the chart (nothing to draw yet) */
  pending?: boolean
  /** a line above the chart, e.g. why it is empty or what is loading */
  note?: string | null
}

/**
 * A uPlot line chart in a `<figure>`: sized to its container, redrawn in place when `data` changes. An empty
 * range still draws its axes, with `note` saying why there is no line.
 */
export function UPlotChart({ caption, summary, data, style, height = 220, pending = false, note = null }: Props) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const summaryId = useId()
  const dataRef = useRef(data)
  dataRef.current = data
  // a different set of series (or axis) needs a new chart; new values only need setData
  const shape = `${style.yLabel}|${style.yRange?.join(',') ?? ''}|${data.series.map((s) => s.label).join('|')}|${pending}`

  useEffect(() => {
    const el = box.current
    if (!el || pending) return
    const chart = new uPlot(lineChartOptions(dataRef.current, style, el.clientWidth || 600, height), alignedData(dataRef.current), el)
    plot.current = chart
    const resize = new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      chart.destroy()
      plot.current = null
    }
  }, [shape, height])

  useEffect(() => {
    plot.current?.setData(alignedData(data))
  }, [data])

  return (
    <figure class="chart">
      <figcaption>{caption}</figcaption>
      {note !== null && <p class="muted chart-note">{note}</p>}
      {!pending && <div ref={box} role="img" aria-label={`${caption} chart`} aria-describedby={summaryId} class="chart-box" />}
      <p id={summaryId} class="visually-hidden">{summary}</p>
    </figure>
  )
}
