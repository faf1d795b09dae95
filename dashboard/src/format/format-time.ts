const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
]

/**
 * `5 minutes ago`, `just now`, `in 2 hours` (clock skew), in the browser's language; `never` for null.
 * Under 10 s is `just now` so that a fresh device does not tick every second.
 */
export function relativeTime(ts: number | null, now: number, locale?: string): string {
  if (ts === null) return 'never'
  const diff = ts - now
  if (Math.abs(diff) < 10_000) return 'just now'
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'second') return rtf.format(Math.round(diff / ms), unit)
  }
  return rtf.format(Math.round(diff / 1000), 'second')
}

/** Date and time in the browser's locale and time zone. */
export function formatDateTime(ts: number, locale?: string): string {
  return new Date(ts).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'medium' })
}

/**
 * A date and time as short as it can be next to `now`: `13:43:49` today, `28 Nov, 13:43` this year,
 * `28 Nov 2025` before (in the browser's locale and time zone; `timeZone` for tests).
 */
export function formatCompactDateTime(ts: number, now: number, o: { locale?: string; timeZone?: string } = {}): string {
  const tz = o.timeZone ? { timeZone: o.timeZone } : {}
  const day = (t: number) => new Date(t).toLocaleDateString('en-CA', tz)
  const date = new Date(ts)
  if (day(ts) === day(now)) return date.toLocaleTimeString(o.locale, { ...tz, timeStyle: 'medium' })
  if (day(ts).slice(0, 4) === day(now).slice(0, 4)) {
    return date.toLocaleString(o.locale, { ...tz, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
  }
  return date.toLocaleDateString(o.locale, { ...tz, dateStyle: 'medium' })
}

/** `5m`, `1h 30m`, `45s`, `2d 3h`: durations as the CLI writes them. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const parts: string[] = []
  let rest = Math.round(ms / 1000)
  for (const [unit, s] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / s)
    if (n > 0) parts.push(`${n}${unit}`)
    rest -= n * s
  }
  return parts.slice(0, 2).join(' ')
}
