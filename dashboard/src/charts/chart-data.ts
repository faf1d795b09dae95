import type { DriftWindowView, PredictionBuckets } from '@edgefleet/protocol'

/** One chart's data: shared x (seconds since the epoch, as uPlot takes time) and one value array per series. */
export interface ChartData {
  x: number[]
  series: { label: string; values: (number | null)[] }[]
}

type Bucket = PredictionBuckets['buckets'][number]

/** A point in time with a value (a device's reported p95 latency). */
export interface TimedValue {
  at: number
  value: number
}

/** Bucket starts from `from` (a bucket boundary) up to `to`, every `every` ms: the hub leaves empty buckets out, the charts do not. */
export function bucketGrid(from: number, to: number, every: number): number[] {
  const grid: number[] = []
  for (let t = from; t < to; t += every) grid.push(t)
  return grid
}

function byStart(buckets: readonly Bucket[]): Map<number, Bucket> {
  return new Map(buckets.map((b) => [b.t, b]))
}

/** Predictions per second in each bucket (0 where the hub returned none). */
export function predictionRate(data: PredictionBuckets): ChartData {
  const grid = bucketGrid(data.from, data.to, data.every)
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
 */
export function latencySeries(data: PredictionBuckets, p95Reports: readonly TimedValue[]): ChartData {
  const grid = bucketGrid(data.from, data.to, data.every)
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

/** Predicted labels per bucket as shares (%) of that bucket's labelled predictions: the `top` most frequent labels, the rest as `other`. */
export function labelShares(data: PredictionBuckets, top = 6): ChartData {
  const totals = new Map<string, number>()
  for (const b of data.buckets) for (const [label, n] of Object.entries(b.labels)) totals.set(label, (totals.get(label) ?? 0) + n)
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([l]) => l)
  const shown = ranked.length > top + 1 ? ranked.slice(0, top) : ranked
  const hasOther = shown.length < ranked.length
  const grid = bucketGrid(data.from, data.to, data.every)
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

/** One series per top feature: its statistic in each window, oldest window first. */
export function driftSeries(windows: readonly DriftWindowView[], statistic: DriftStatistic, top = 5): ChartData {
  const features = topFeatures(windows, statistic, top)
  const ordered = [...windows].sort((a, b) => a.ts - b.ts)
  return {
    x: ordered.map((w) => w.ts / 1000),
    series: features.map((name) => ({
      label: name,
      values: ordered.map((w) => w.features.find((f) => f.name === name)?.[statistic] ?? null),
    })),
  }
}
