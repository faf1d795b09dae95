import type { EvaluationView } from '@edgefleet/protocol'
import { formatFraction } from '../format/format-number.ts'

/** Metrics that are fractions (shown as percentages); any other is shown as a plain number. */
const FRACTION_METRIC = /accuracy|f1|precision|recall/i

const METRIC_LABELS: Record<string, string> = { accuracy: 'accuracy', macroF1: 'macro-F1' }

/** A metric's name for people: `accuracy`, `macro-F1`; other names as the hub sends them. */
export function metricLabel(metric: string): string {
  return METRIC_LABELS[metric] ?? metric
}

/** One figure of a metric: `81.4 %` for fractions, `0.412` otherwise, `—` when missing. */
export function formatMetric(metric: string, value: number | undefined, locale?: string): string {
  if (value === undefined || !Number.isFinite(value)) return '—'
  return FRACTION_METRIC.test(metric) ? formatFraction(value, locale) : value.toLocaleString(locale, { maximumSignificantDigits: 4 })
}

/** A difference of fractions in percentage points: `+30.6 points`, `−0.5 points`, `1 point` (unsigned). */
export function formatPoints(delta: number, o: { signed?: boolean; locale?: string } = {}): string {
  const points = Math.round(delta * 1000) / 10
  const size = Math.abs(points).toLocaleString(o.locale, { maximumFractionDigits: 1 })
  const sign = !o.signed || points === 0 ? '' : points > 0 ? '+' : '−'
  return `${sign}${size} ${Math.abs(points) === 1 ? 'point' : 'points'}`
}

/** A difference on a metric: percentage points for fractions (`+30.6 points`), else the plain number (`−0.02`). */
export function formatDifference(metric: string, delta: number, o: { signed?: boolean; locale?: string } = {}): string {
  if (FRACTION_METRIC.test(metric)) return formatPoints(delta, o)
  const size = Math.abs(delta).toLocaleString(o.locale, { maximumSignificantDigits: 4 })
  return !o.signed || delta === 0 ? size : `${delta > 0 ? '+' : '−'}${size}`
}

/** The gate's comparison in a few words: `accuracy 81.4 % vs 50.8 %` (candidate first). */
export function evaluationLine(e: EvaluationView, locale?: string): string {
  return `${metricLabel(e.metric)} ${formatMetric(e.metric, e.candidate[e.metric], locale)} vs ${formatMetric(e.metric, e.current[e.metric], locale)}`
}

/** The gate's verdict as a word (`passed`, `below margin`) and the tone of its badge. */
export function evaluationVerdict(e: Pick<EvaluationView, 'passed'>): { word: string; tone: string } {
  return e.passed ? { word: 'passed', tone: 'tone-ok' } : { word: 'below margin', tone: 'tone-warn' }
}

export interface EvaluationRow {
  metric: string
  label: string
  candidate: string
  current: string
  /** candidate − current */
  difference: string
  /** the metric the gate compares */
  gated: boolean
}

/** Every metric either version was measured on, the gate's first: candidate, current and their difference. */
export function evaluationRows(e: EvaluationView, locale?: string): EvaluationRow[] {
  const metrics = [...new Set([...Object.keys(e.candidate), ...Object.keys(e.current)])]
    .filter((m) => m !== 'rows')
    .sort((a, b) => Number(b === e.metric) - Number(a === e.metric))
  return metrics.map((metric) => {
    const candidate = e.candidate[metric]
    const current = e.current[metric]
    const both = candidate !== undefined && current !== undefined
    const difference = both ? formatDifference(metric, candidate - current, { signed: true, locale }) : '—'
    return {
      metric, label: metricLabel(metric), gated: metric === e.metric, difference,
      candidate: formatMetric(metric, candidate, locale), current: formatMetric(metric, current, locale),
    }
  })
}

/** What the gate asked and what it got: `improvement +30.6 points, margin 1 point`. */
export function improvementLine(e: EvaluationView, locale?: string): string {
  return `improvement ${formatDifference(e.metric, e.improvement, { signed: true, locale })}, margin ${formatDifference(e.metric, e.margin, { locale })}`
}
