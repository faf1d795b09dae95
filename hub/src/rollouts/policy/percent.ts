/** Percentages as people write them (`10%`) and as the policy keeps them (fractions, `0.1`). */

const PERCENT = /^(\d+(?:\.\d+)?)%$/
const FRACTION = /^(\d+(?:\.\d+)?)$/

/**
 * `'10%'` → 0.1, `'0.1'` → 0.1. A bare number must be a fraction (≤ 1 unless `max` allows more), so that
 * `10` is refused rather than read as 1000 %. Returns a problem string instead of throwing, so that callers
 * can report every bad flag at once.
 */
export function parseFraction(text: string, max = 1): number | string {
  const t = text.trim()
  const pct = PERCENT.exec(t)
  const value = pct ? Number(pct[1]) / 100 : FRACTION.test(t) ? Number(t) : Number.NaN
  if (Number.isNaN(value)) return `${JSON.stringify(text)} is not a percentage: write e.g. 10% or 0.1`
  if (!pct && value > 1 && max <= 1) return `${JSON.stringify(text)} is more than 1: write ${t}% (or the fraction ${value / 100}) for a percentage`
  if (value > max) return `${JSON.stringify(text)} is more than ${formatPercent(max)}`
  return value
}

/** 0.3 → `'30%'`, 0.125 → `'12.5%'`, 0.00123 → `'0.12%'`: at most two decimals, trailing zeros trimmed. */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`
}
