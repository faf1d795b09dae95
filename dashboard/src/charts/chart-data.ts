import type { DriftWindowView, PredictionBuckets } from '@edgefleet/protocol'

/** One line of a chart. */
export interface ChartSeries {
  label: string
  values: (number | null)[]
  /** `threshold`: a reference line (dashed, no points), not measured data */
  kind?: 'threshold'
}

/** One chart's data: shared x (seconds since the epoch, as uPlot takes time) and one value array per series. */
export interface ChartData {
  x: number[]
  series: ChartSeries[]
}

type Bucket = PredictionBuckets['buckets'][number]

/** A point in time with a value (a device's reported p95 latency). */
export interface TimedValue {
  at: number
  value: number
}

/**
 * The bucket starts the prediction charts plot, `every` ms apart (the hub leaves empty buckets out; the
 * grid keeps them, so a gap in the data is a gap, or a zero rate, on the chart):
 *
 * - from the first bucket that holds a prediction (or one of `marks`, such as a reported p95), not from the
 *   range start: before it the device had no data, and a flat 0/s there reads as an outage;
 * - to the last complete bucket. The bucket holding `to` is still filling when the hub answers, so its count
 *   is a fraction of a full bucket's and its rate would plunge at the right edge. It is left out rather
 *   than scaled by its elapsed fraction: `to` is this browser's clock and the stored timestamps are the
 *   device's, and a few seconds of skew make a scaled rate about as wrong as an unscaled one. Left out,
 *   the charts lag by at most one bucket (1/90 of the range or less) and every point is whole.
 */
export function bucketGrid(data: Pick<PredictionBuckets, 'from' | 'to' | 'every' | 'buckets'>, marks: readonly number[] = []): number[] {
  const { from, to, every } = data
  let first = Infinity
  for (const b of data.buckets) if (b.count > 0 && b.t < first) first = b.t
  for (const at of marks) {
    if (at < from || at >= to) continue
    const start = from + Math.floor((at - from) / every) * every
    if (start < first) first = start
  }
  const grid: number[] = []
  if (first === Infinity) return grid
  for (let t = first; t + every <= to; t += every) grid.push(t)
  return grid
}

function byStart(buckets: readonly Bucket[]): Map<number, Bucket> {
  return new Map(buckets.map((b) => [b.t, b]))
}

/** Predictions per second in each plotted bucket: 0 where the hub returned none (no predictions is a rate of 0/s). */
export function predictionRate(data: PredictionBuckets): ChartData {
  const grid = bucketGrid(data)
  const at = byStart(data.buckets)
  const perSecond = data.every / 1000
  return {
    x: grid.map((t) => t / 1000),
    series: [{ label: 'predictions/s', values: grid.map((t) => (at.get(t)?.count ?? 0) / perSecond) }],
  }
}

/**
 * Mean latency per bucket (from the stored predictions) and p95 per bucket: the latest p95 the device
 * reported within it (its status messages carry p95 over their interval; stored predictions do not).
 * A bucket without predictions has no latency: a gap, not 0 ms.
 */
export function latencySeries(data: PredictionBuckets, p95Reports: readonly TimedValue[]): ChartData {
  const grid = bucketGrid(data, p95Reports.map((r) => r.at))
  const at = byStart(data.buckets)
  const p95 = new Map<number, TimedValue>()
  for (const r of p95Reports) {
    if (r.at < data.from || r.at >= data.to) continue
    const start = data.from + Math.floor((r.at - data.from) / data.every) * data.every
    const held = p95.get(start)
    if (!held || held.at <= r.at) p95.set(start, r)
  }
  return {
    x: grid.map((t) => t / 1000),
    series: [
      { label: 'mean', values: grid.map((t) => at.get(t)?.meanLatencyMs ?? null) },
      { label: 'p95 (reported)', values: grid.map((t) => p95.get(t)?.value ?? null) },
    ],
  }
}

/**
 * Predicted labels per bucket as shares (%) of that bucket's labelled predictions: the `top` most frequent
 * labels, the rest as `other`. A bucket without labelled predictions has no shares: a gap, not 0 %.
 */
export function labelShares(data: PredictionBuckets, top = 6): ChartData {
  const totals = new Map<string, number>()
  for (const b of data.buckets) for (const [label, n] of Object.entries(b.labels)) totals.set(label, (totals.get(label) ?? 0) + n)
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([l]) => l)
  const shown = ranked.length > top + 1 ? ranked.slice(0, top) : ranked
  const hasOther = shown.length < ranked.length
  const grid = bucketGrid(data)
  const at = byStart(data.buckets)
  const share = (t: number, pick: (labels: Record<string, number>) => number): number | null => {
    const labels = at.get(t)?.labels
    const sum = labels ? Object.values(labels).reduce((s, n) => s + n, 0) : 0
    return labels && sum > 0 ? (pick(labels) / sum) * 100 : null
  }
  const series = shown.map((label) => ({ label, values: grid.map((t) => share(t, (l) => l[label] ?? 0)) }))
  if (hasOther) {
    const named = new Set(shown)
    const other = (l: Record<string, number>) => Object.entries(l).reduce((s, [k, n]) => (named.has(k) ? s : s + n), 0)
    series.push({ label: 'other', values: grid.map((t) => share(t, other)) })
  }
  return { x: grid.map((t) => t / 1000), series }
}

/** The per-feature statistics a drift window carries. */
export type DriftStatistic = 'psi' | 'jensenShannon' | 'ks' | 'wasserstein'

export const DRIFT_STATISTICS: Record<DriftStatistic, string> = {
  psi: 'PSI',
  jensenShannon: 'Jensen–Shannon',
  ks: 'KS',
  wasserstein: 'Wasserstein',
}

/** The `top` features by their statistic in the newest window, highest first. */
export function topFeatures(windows: readonly DriftWindowView[], statistic: DriftStatistic, top = 5): string[] {
  const newest = windows.reduce<DriftWindowView | null>((n, w) => (n === null || w.ts > n.ts ? w : n), null)
  if (!newest) return []
  return [...newest.features].sort((a, b) => b[statistic] - a[statistic]).slice(0, top).map((f) => f.name)
}

/** The label of the drift chart's threshold line; the text summary and the legend both use it. */
export const THRESHOLD_LABEL = 'alert threshold'

/**
 * The alert threshold of `statistic` for `features` in each window (oldest first): their common threshold,
 * or the lowest of them where they differ (the drift engine calibrates each feature's thresholds on its own),
 * so no plotted feature can be above its own threshold while below the line. `uniform` is false when the
 * plotted features' thresholds differ in any window; null where a window has none of the features.
 */
export function driftThreshold(
  ordered: readonly DriftWindowView[], features: readonly string[], statistic: DriftStatistic,
): { values: (number | null)[]; uniform: boolean } {
  const wanted = new Set(features)
  let uniform = true
  const values = ordered.map((w) => {
    const thresholds = w.features.filter((f) => wanted.has(f.name)).map((f) => f.thresholds[statistic])
    if (thresholds.length === 0) return null
    const min = Math.min(...thresholds)
    if (thresholds.some((t) => t !== min)) uniform = false
    return min
  })
  return { values, uniform }
}

/** Features of `window` whose `statistic` is above that feature's own alert threshold, in the window's order. */
export function featuresAboveThreshold(window: DriftWindowView, statistic: DriftStatistic): string[] {
  return window.features.filter((f) => f[statistic] > f.thresholds[statistic]).map((f) => f.name)
}

/**
 * One series per top feature: its statistic in each window, oldest window first; then the alert threshold
 * of those features as a dashed reference line (labelled as the lowest of them when they differ).
 */
export function driftSeries(windows: readonly DriftWindowView[], statistic: DriftStatistic, top = 5): ChartData {
  const features = topFeatures(windows, statistic, top)
  const ordered = [...windows].sort((a, b) => a.ts - b.ts)
  const series: ChartSeries[] = features.map((name) => ({
    label: name,
    values: ordered.map((w) => w.features.find((f) => f.name === name)?.[statistic] ?? null),
  }))
  if (features.length > 0) {
    const threshold = driftThreshold(ordered, features, statistic)
    series.push({
      label: threshold.uniform ? THRESHOLD_LABEL : `${THRESHOLD_LABEL} (lowest shown)`,
      values: threshold.values,
      kind: 'threshold',
    })
  }
  return { x: ordered.map((w) => w.ts / 1000), series }
}
