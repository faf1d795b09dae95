import { FLEET_SCOPE } from '@edgefleet/protocol'
import { escape } from 'influx'
import type { DriftFeatureStats, DriftWindowQuery, DriftWindowRecord } from './drift-records.ts'
import { DRIFT_FEATURES_MEASUREMENT, DRIFT_WINDOWS_MEASUREMENT } from './influx-drift-point.ts'
import { msToNsLiteral } from './influx-point.ts'
import type { InfluxQuery, RawResult } from './influx-queries.ts'

type Row = Record<string, unknown>

function where(q: DriftWindowQuery, range: { from?: number | undefined; to?: number | undefined }, feature: boolean): InfluxQuery {
  const clauses = ['"model" = $model']
  const params: Record<string, string> = { model: q.model }
  const add = (tag: string, value: string | undefined): void => {
    if (value === undefined) return
    clauses.push(`"${tag}" = $${tag}`)
    params[tag] = value
  }
  add('version', q.version)
  add('device', q.deviceId)
  if (q.fleet !== undefined) {
    clauses.push(`"device" ${q.fleet ? '=' : '!='} $fleet`)
    params.fleet = FLEET_SCOPE
  }
  if (feature) add('feature', q.feature)
  // integer time literals are nanoseconds; bounds are validated integers, safe to inline
  if (range.from !== undefined) clauses.push(`time >= ${msToNsLiteral(range.from)}`)
  if (range.to !== undefined) clauses.push(`time < ${msToNsLiteral(range.to)}`)
  return { q: ` WHERE ${clauses.join(' AND ')}`, params }
}

/** The newest `limit` windows of the query, tags as columns (no GROUP BY merges the series by time). */
export function driftWindowsQuery(q: DriftWindowQuery, limit: number): InfluxQuery {
  const w = where(q, q, false)
  return { q: `SELECT * FROM ${escape.quoted(DRIFT_WINDOWS_MEASUREMENT)}${w.q} ORDER BY time DESC LIMIT ${limit}`, params: w.params }
}

/** Every feature point in the milliseconds [from, to] that the windows found span. */
export function driftFeaturesQuery(q: DriftWindowQuery, from: number, to: number): InfluxQuery {
  const w = where(q, { from, to: to + 1 }, true)
  return { q: `SELECT * FROM ${escape.quoted(DRIFT_FEATURES_MEASUREMENT)}${w.q}`, params: w.params }
}

/** Rows of a raw result's (single, merged) series as objects by column name. */
export function rows(r: RawResult): Row[] {
  const out: Row[] = []
  for (const s of r.series ?? []) {
    for (const v of s.values) out.push(Object.fromEntries(s.columns.map((c, i) => [c, v[i]])))
  }
  return out
}

/** The time of a window's first and last row, to bound the feature query; null when there are none. */
export function timeSpan(windows: readonly Row[]): { from: number; to: number } | null {
  if (windows.length === 0) return null
  const times = windows.map((w) => w.time as number)
  return { from: Math.min(...times), to: Math.max(...times) }
}

const joinKey = (r: Row): string => `${String(r.device)}|${String(r.version)}|${String(r.time)}|${String(r.seq ?? '')}`

/** Windows with their features, newest first (ties by device, version, seq descending, as in SQLite). */
export function parseDriftWindows(windows: readonly Row[], features: readonly Row[]): DriftWindowRecord[] {
  const byWindow = new Map<string, Row[]>()
  for (const f of features) {
    const key = joinKey(f)
    const list = byWindow.get(key) ?? []
    list.push(f)
    byWindow.set(key, list)
  }
  const records = windows.map((w): DriftWindowRecord => {
    const fleet = w.device === FLEET_SCOPE
    return {
      ts: w.time as number,
      start: w.start as number,
      deviceId: fleet ? null : (w.device as string),
      seq: fleet ? null : (w.seq as number),
      model: w.model as string,
      version: w.version as string,
      count: w.count as number,
      driftShare: w.driftShare as number,
      dataDrift: w.dataDrift as boolean,
      features: (byWindow.get(joinKey(w)) ?? []).sort((a, b) => (a.idx as number) - (b.idx as number)).map(featureStats),
    }
  })
  return records.sort((a, b) => b.ts - a.ts || cmp(a.deviceId ?? FLEET_SCOPE, b.deviceId ?? FLEET_SCOPE) || cmp(a.version, b.version) || (b.seq ?? -1) - (a.seq ?? -1))
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function featureStats(r: Row): DriftFeatureStats {
  return {
    name: r.feature as string,
    count: r.count as number,
    missingRate: r.missingRate as number,
    psi: r.psi as number,
    jensenShannon: r.js as number,
    ks: r.ks as number,
    ksPValue: r.ksP as number,
    wasserstein: r.wasserstein as number,
    thresholds: { psi: r.psiT as number, jensenShannon: r.jsT as number, ks: r.ksT as number, wasserstein: r.wassersteinT as number },
    drifted: r.drifted as boolean,
  }
}
