import { formatCompactDateTime, formatDateTime, relativeTime } from '../format/format-time.ts'

/** A `<time>` showing "5 minutes ago" with the full local date and time as its tooltip. */
export function RelativeTime({ ts, now }: { ts: number | null; now: number }) {
  if (ts === null) return <span class="muted">never</span>
  return <time dateTime={new Date(ts).toISOString()} title={formatDateTime(ts)}>{relativeTime(ts, now)}</time>
}

/** A `<time>` showing the local date and time. */
export function DateTime({ ts }: { ts: number }) {
  return <time dateTime={new Date(ts).toISOString()}>{formatDateTime(ts)}</time>
}

/** A `<time>` as short as it can be next to `now` (`13:43:49` today), with the full date and time as its tooltip. */
export function CompactDateTime({ ts, now }: { ts: number; now: number }) {
  return <time dateTime={new Date(ts).toISOString()} title={formatDateTime(ts)}>{formatCompactDateTime(ts, now)}</time>
}
