import { escape } from 'influx'
import { DRIFT_FEATURES_MEASUREMENT, DRIFT_WINDOWS_MEASUREMENT } from './influx-drift-point.ts'
import { msToNsLiteral, PREDICTIONS_MEASUREMENT } from './influx-point.ts'
import type { PredictionBucket, PredictionQuery, TimeRange } from './telemetry-store.ts'

/** InfluxQL plus its bound parameters (tag values never go into the query text). */
export interface InfluxQuery {
  q: string
  params: Record<string, string>
}

/** One series of a raw `/query` answer (`epoch=ms`). */
interface RawSeries {
  tags?: Record<string, string>
  columns: string[]
  values: unknown[][]
}

/** One statement's result in a raw `/query` answer. */
export interface RawResult {
  series?: RawSeries[]
  error?: string
}

const M = escape.quoted(PREDICTIONS_MEASUREMENT)

function where(q: PredictionQuery): InfluxQuery {
  const clauses: string[] = []
  const params: Record<string, string> = {}
  if (q.deviceId !== undefined) {
    clauses.push('"device" = $device')
    params.device = q.deviceId
  }
  if (q.model !== undefined) {
    clauses.push('"model" = $model')
    params.model = q.model
  }
  // integer time literals are nanoseconds; bounds are validated integers, safe to inline
  if (q.from !== undefined) clauses.push(`time >= ${msToNsLiteral(q.from)}`)
  if (q.to !== undefined) clauses.push(`time < ${msToNsLiteral(q.to)}`)
  return { q: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', params }
}

/** Counts predictions; `latencyMs` is the one field every point has. */
export function countQuery(q: PredictionQuery): InfluxQuery {
  const w = where(q)
  return { q: `SELECT count("latencyMs") FROM ${M}${w.q}`, params: w.params }
}

/** The count of a {@link countQuery} result. */
export function parseCount(r: RawResult): number {
  const v = r.series?.[0]?.values[0]?.[1]
  return typeof v === 'number' ? v : 0
}

/**
 * Two statements: per-bucket count and means, and per-bucket-and-label counts. The GROUP BY offset
 * (`from` mod `everyMs`) makes buckets start at `from`, as in SQLite; fill(none) drops empty buckets.
 */
export function aggregateQuery(q: TimeRange & { deviceId: string; everyMs: number }): InfluxQuery {
  const w = where(q)
  const by = `time(${q.everyMs}ms, ${q.from % q.everyMs}ms)`
  return {
    q: [
      `SELECT count("latencyMs") AS n, mean("confidence") AS conf, mean("latencyMs") AS lat FROM ${M}${w.q} GROUP BY ${by} fill(none)`,
      `SELECT count("latencyMs") AS n FROM ${M}${w.q} GROUP BY ${by}, "label" fill(none)`,
    ].join('; '),
    params: w.params,
  }
}

/** Buckets from the two results of an {@link aggregateQuery}, ascending by time. */
export function parseAggregate(totals: RawResult, byLabel: RawResult): PredictionBucket[] {
  const labels = new Map<number, [string, number][]>()
  for (const s of byLabel.series ?? []) {
    const label = s.tags?.label
    if (!label) continue // points without a label
    for (const [t, n] of s.values) {
      const list = labels.get(t as number) ?? []
      list.push([label, n as number])
      labels.set(t as number, list)
    }
  }
  return (totals.series?.[0]?.values ?? []).map(([t, n, conf, lat]) => ({
    t: t as number,
    count: n as number,
    meanConfidence: (conf as number | null) ?? null,
    meanLatencyMs: (lat as number | null) ?? null,
    labels: Object.fromEntries((labels.get(t as number) ?? []).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  }))
}

/** The default retention policy's name and duration in ms (0 = infinite) from SHOW RETENTION POLICIES. */
export function parseDefaultRetention(r: RawResult): { name: string; durationMs: number } | null {
  const s = r.series?.[0]
  if (!s) return null
  const col = (name: string): number => s.columns.indexOf(name)
  const row = s.values.find((v) => v[col('default')] === true)
  if (!row) return null
  return { name: String(row[col('name')]), durationMs: goDurationMs(String(row[col('duration')])) }
}

/** `168h0m0s` → ms (InfluxDB prints retention durations as Go durations). */
function goDurationMs(d: string): number {
  const unit = { h: 3_600_000, m: 60_000, s: 1000 } as const
  let ms = 0
  for (const [, n, u] of d.matchAll(/(\d+(?:\.\d+)?)([hms])/g)) ms += Number(n) * unit[u as keyof typeof unit]
  return ms
}

/** ALTER RETENTION POLICY for `days` (0 = forever); InfluxDB's minimum duration is one hour. */
export function alterRetentionQuery(database: string, policy: string, days: number): string {
  const rp = `ALTER RETENTION POLICY ${escape.quoted(policy)} ON ${escape.quoted(database)}`
  if (days === 0) return `${rp} DURATION INF`
  const hours = Math.max(1, Math.ceil(days * 24))
  // InfluxDB's own defaults for the shard group length: expiry drops whole shard groups
  return `${rp} DURATION ${hours}h SHARD DURATION ${hours >= 48 ? '1d' : '1h'}`
}

/** Deletes predictions read before `cutoffMs`, and drift windows that ended before it. */
export function deleteBeforeQuery(cutoffMs: number): string {
  return [PREDICTIONS_MEASUREMENT, DRIFT_WINDOWS_MEASUREMENT, DRIFT_FEATURES_MEASUREMENT]
    .map((m) => `DELETE FROM ${escape.quoted(m)} WHERE time < ${msToNsLiteral(cutoffMs)}`)
    .join('; ')
}
