import type { DriftWindowView } from '@edgefleet/protocol'
import { formatStatistic } from '../format/format-number.ts'
import { DRIFT_STATISTICS, THRESHOLD_LABEL, featuresAboveThreshold, topFeatures, type ChartData, type DriftStatistic } from './chart-data.ts'

/** Text equivalents of the charts, for screen readers (and anyone who prefers numbers). */

function present(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null)
}

const num = (v: number, digits = 1) => v.toLocaleString(undefined, { maximumFractionDigits: digits })

export function rateSummary(data: ChartData, total: number): string {
  const values = data.series[0]?.values ?? []
  const p = present(values)
  if (total === 0) return 'No predictions in this range.'
  if (p.length === 0) return `${total.toLocaleString()} predictions so far, all in the bucket still filling.`
  const mean = p.reduce((s, v) => s + v, 0) / p.length
  return `${total.toLocaleString()} predictions: ${num(mean, 2)} per second on average, at most ${num(Math.max(...p), 2)}.`
}

export function latencySummary(data: ChartData): string {
  const [mean, p95] = data.series
  const means = present(mean?.values ?? [])
  const p95s = present(p95?.values ?? [])
  if (means.length === 0 && p95s.length === 0) return 'No latency figures in this range.'
  const parts: string[] = []
  if (means.length > 0) parts.push(`mean latency ${num(Math.min(...means), 2)} to ${num(Math.max(...means), 2)} ms per bucket`)
  if (p95s.length > 0) parts.push(`latest reported p95 ${num(p95s[p95s.length - 1]!, 2)} ms`)
  return `${parts.join('; ')}.`
}

export function labelSummary(data: ChartData): string {
  const averages = data.series
    .map((s) => {
      const p = present(s.values)
      return { label: s.label, share: p.length ? p.reduce((a, v) => a + v, 0) / p.length : 0 }
    })
    .filter((s) => s.share > 0)
    .sort((a, b) => b.share - a.share)
  if (averages.length === 0) return 'No labelled predictions in this range.'
  return `Mean share per bucket: ${averages.map((s) => `${s.label} ${num(s.share)} %`).join(', ')}.`
}

function newestWindow(windows: readonly DriftWindowView[]): DriftWindowView | null {
  return windows.reduce<DriftWindowView | null>((n, w) => (n === null || w.ts > n.ts ? w : n), null)
}

/** `2 of 16 features above their PSI alert threshold`, each feature against its own threshold. */
function aboveThresholdText(window: DriftWindowView, statistic: DriftStatistic): string {
  const above = featuresAboveThreshold(window, statistic).length
  const total = window.features.length
  const their = total === 1 ? 'feature above its' : 'features above their'
  return `${above} of ${total} ${their} ${DRIFT_STATISTICS[statistic]} ${THRESHOLD_LABEL}`
}

/** `2 of 16 features above their PSI alert threshold in the latest window.`, or null without a window. */
export function thresholdSummary(windows: readonly DriftWindowView[], statistic: DriftStatistic): string | null {
  const newest = newestWindow(windows)
  return newest && newest.features.length > 0 ? `${aboveThresholdText(newest, statistic)} in the latest window.` : null
}

export function driftSummary(windows: readonly DriftWindowView[], statistic: DriftStatistic): string {
  const newest = newestWindow(windows)
  if (!newest) return 'No judged drift windows for this device and model yet.'
  const name = DRIFT_STATISTICS[statistic]
  const top = topFeatures(windows, statistic).map((f) => newest.features.find((x) => x.name === f)!)
  const described = top.map((f) => `${f.name} ${formatStatistic(f[statistic])} (threshold ${formatStatistic(f.thresholds[statistic])}${f.drifted ? ', drifted' : ''})`)
  const above = newest.features.length > 0 ? `; ${aboveThresholdText(newest, statistic)}` : ''
  return `${windows.length} windows; in the latest, ${newest.dataDrift ? 'data drift' : 'no data drift'}${above}. Highest ${name}: ${described.join(', ')}.`
}
