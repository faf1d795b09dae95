import type { PredictionBuckets } from '@edgefleet/protocol'
import { useMemo, useState } from 'preact/hooks'
import { ErrorMessage } from '../../components/error-message.tsx'
import { labelShares, latencySeries, predictionRate, type ChartData, type TimedValue } from '../../charts/chart-data.ts'
import { labelSummary, latencySummary, rateSummary } from '../../charts/chart-summary.ts'
import { UPlotChart } from '../../charts/uplot-chart.tsx'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'

/** Time ranges offered, each with a bucket width that gives about a hundred points. */
const RANGES = {
  '15m': { label: 'last 15 minutes', span: 15 * 60_000, every: 10_000 },
  '1h': { label: 'last hour', span: 3_600_000, every: 30_000 },
  '6h': { label: 'last 6 hours', span: 6 * 3_600_000, every: 180_000 },
  '24h': { label: 'last 24 hours', span: 24 * 3_600_000, every: 600_000 },
} as const
type RangeKey = keyof typeof RANGES

const NO_DATA: ChartData = { x: [], series: [] }
const bucketText = (every: number) => (every < 60_000 ? `${every / 1000}-second bucket` : `${every / 60_000}-minute bucket`)
const percent = (v: number) => `${v.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`
const ms = (v: number) => `${v.toLocaleString(undefined, { maximumFractionDigits: 2 })} ms`

/**
 * Predictions per second, latency and class distribution over a chosen range, from `GET …/predictions`:
 * from the device's first bucket with data in the range to the last complete bucket (see `bucketGrid`).
 */
export function PredictionCharts({ id, refresh, p95 }: { id: string; refresh: number; p95: readonly TimedValue[] }) {
  const { api } = useHub()
  const [range, setRange] = useState<RangeKey>('1h')
  const { span, every } = RANGES[range]
  const buckets = useSynced<PredictionBuckets>(
    `predictions:${id}:${range}`,
    (signal) => {
      const to = Date.now()
      // bucket boundaries at multiples of `every`, so reloads line up with what is on screen
      const from = Math.floor((to - span) / every) * every
      return api.predictions(id, { from, to, every }, signal)
    },
    null,
    refresh,
  )
  const charts = useMemo(() => {
    const b = buckets.data
    if (!b) return { rate: NO_DATA, latency: NO_DATA, labels: NO_DATA, total: 0 }
    return { rate: predictionRate(b), latency: latencySeries(b, p95), labels: labelShares(b), total: b.total }
  }, [buckets.data, p95])
  const pending = buckets.data === null
  const loadingNote = buckets.error === null ? 'Loading…' : 'Not loaded.'
  // the charts end at the last complete bucket (see bucketGrid): a device that has just started has
  // predictions only in the bucket still filling
  const noPredictions = charts.total === 0
    ? 'No predictions stored for this device in this range.'
    : charts.rate.x.length === 0 ? `The first predictions are in the current ${bucketText(buckets.data?.every ?? every)}, still filling: the charts start when it ends.` : null
  // reported p95 figures can exist without stored predictions, and predictions without latency
  const hasLatency = charts.latency.series.some((s) => s.values.some((v) => v !== null))

  return (
    <>
      <label class="inline-field">
        Range
        <select value={range} onChange={(e) => setRange(e.currentTarget.value as RangeKey)}>
          {Object.entries(RANGES).map(([key, r]) => <option key={key} value={key}>{r.label}</option>)}
        </select>
      </label>
      {buckets.error !== null && <ErrorMessage error={buckets.error} what="Could not load the predictions" onRetry={buckets.reload} />}
      <div class="chart-grid">
        <UPlotChart caption="Predictions per second" data={charts.rate} style={{ yLabel: 'per second' }}
          summary={rateSummary(charts.rate, charts.total)} pending={pending} note={pending ? loadingNote : noPredictions} />
        <UPlotChart caption="Latency" data={charts.latency} style={{ yLabel: 'ms', format: ms }}
          summary={latencySummary(charts.latency)} pending={pending}
          note={pending ? loadingNote : hasLatency ? null : noPredictions ?? 'No latency figures in this range.'} />
        <UPlotChart caption="Class distribution" data={charts.labels} style={{ yLabel: '% of predictions', yRange: [0, 100], format: percent }}
          summary={labelSummary(charts.labels)} pending={pending}
          note={pending ? loadingNote : noPredictions ?? (charts.labels.series.length === 0 ? 'These predictions carry no labels.' : null)} />
      </div>
    </>
  )
}
