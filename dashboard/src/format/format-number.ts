const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** `1.2 MB` (powers of 1024, as the hub's limits are written). */
export function formatBytes(bytes: number, locale?: string): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toLocaleString(locale, { maximumFractionDigits: unit === 0 ? 0 : 1 })} ${BYTE_UNITS[unit]}`
}

/** `12.3 ms`, `—` when unknown. */
export function formatMs(ms: number | null | undefined, locale?: string): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  return `${ms.toLocaleString(locale, { maximumFractionDigits: ms < 10 ? 2 : 1 })} ms`
}

/** A 0–1 fraction as `93.4 %`; `—` when unknown. */
export function formatFraction(value: number | null | undefined, locale?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return `${(value * 100).toLocaleString(locale, { maximumFractionDigits: 1 })} %`
}

/** A statistic (PSI, KS…) with three significant digits. */
export function formatStatistic(value: number, locale?: string): string {
  return value.toLocaleString(locale, { maximumSignificantDigits: 3 })
}
