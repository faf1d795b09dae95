import { Limits } from '@edgefleet/protocol'
import { HubError } from '../errors.ts'
import { DEFAULT_DRIFT_WINDOWS, MAX_DRIFT_WINDOWS, type DriftWindowQuery, type DriftWindowRecord } from './drift-records.ts'
import { checkTimeRange, MAX_POINT_TS } from './telemetry-checks.ts'

/** Features per window either store accepts: what one drift summary may carry. */
const MAX_DRIFT_FEATURES = Limits.features

const STAT_KEYS = ['count', 'missingRate', 'psi', 'jensenShannon', 'ks', 'ksPValue', 'wasserstein'] as const
const THRESHOLD_KEYS = ['psi', 'jensenShannon', 'ks', 'wasserstein'] as const

/**
 * Refuses drift windows the drift engine cannot produce, before either store touches them, so both
 * stores accept exactly the same records (InfluxDB has no NaN or Infinity, JSON neither).
 */
export function checkDriftWindows(records: readonly DriftWindowRecord[]): void {
  for (const r of records) {
    const problem = recordProblem(r)
    if (problem) {
      const scope = r.deviceId === null ? 'fleet' : `${r.deviceId}/${r.seq}`
      throw new HubError('HUB_TELEMETRY_POINT_INVALID', `drift window ${scope} of ${r.model}@${r.version} not stored: ${problem}`)
    }
  }
}

function recordProblem(r: DriftWindowRecord): string | null {
  if (r.deviceId !== null && (typeof r.deviceId !== 'string' || r.deviceId.length === 0 || r.deviceId.startsWith('_'))) {
    return 'deviceId must be a device id or null (the fleet)'
  }
  if (r.deviceId === null ? r.seq !== null : !Number.isSafeInteger(r.seq) || r.seq! < 0) {
    return 'seq must be a non-negative integer for a device window and null for the fleet'
  }
  if (!r.model || !r.version) return 'model and version must be non-empty'
  for (const key of ['ts', 'start'] as const) {
    if (!Number.isInteger(r[key]) || r[key] < 0 || r[key] > MAX_POINT_TS) return `${key} must be an integer ms timestamp in [0, ${MAX_POINT_TS}]`
  }
  if (!Number.isSafeInteger(r.count) || r.count < 0) return 'count must be a non-negative integer'
  if (!Number.isFinite(r.driftShare)) return 'driftShare must be a finite number'
  if (r.features.length > MAX_DRIFT_FEATURES) return `at most ${MAX_DRIFT_FEATURES} features`
  const names = new Set<string>()
  for (const f of r.features) {
    if (typeof f.name !== 'string' || f.name.length === 0) return 'feature names must be non-empty'
    if (names.has(f.name)) return `feature ${f.name} appears twice`
    names.add(f.name)
    for (const key of STAT_KEYS) if (!Number.isFinite(f[key])) return `feature ${f.name}: ${key} must be a finite number`
    for (const key of THRESHOLD_KEYS) if (!Number.isFinite(f.thresholds[key])) return `feature ${f.name}: the ${key} threshold must be a finite number`
  }
  return null
}

/** Validates a drift query and returns its effective limit. */
export function checkDriftQuery(q: DriftWindowQuery): number {
  checkTimeRange(q, 'queryDriftWindows')
  if (!q.model) throw new HubError('HUB_TELEMETRY_QUERY_INVALID', 'queryDriftWindows: name a model')
  if (q.deviceId !== undefined && q.fleet === true) throw new HubError('HUB_TELEMETRY_QUERY_INVALID', 'queryDriftWindows: ask for one device or for the fleet, not both')
  const limit = q.limit ?? DEFAULT_DRIFT_WINDOWS
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DRIFT_WINDOWS) {
    throw new HubError('HUB_TELEMETRY_QUERY_INVALID', `queryDriftWindows: limit must be an integer in [1, ${MAX_DRIFT_WINDOWS}], got ${limit}`)
  }
  return limit
}
