import { HubError } from '../errors.ts'
import type { PredictionPoint, TimeRange } from './telemetry-store.ts'

/** Predictions per device message (`Limits.batchItems` of the protocol): `index` is below this. */
export const MAX_ITEMS_PER_MESSAGE = 1000

/** Latest reading time both stores accept: InfluxDB's nanosecond clock ends in April 2262. */
export const MAX_POINT_TS = 9_223_372_036_853

const DAY_MS = 86_400_000

/**
 * Refuses points no device message can produce, before either store touches them, so that both
 * stores accept exactly the same points (the InfluxDB point key relies on these bounds).
 */
export function checkPredictionPoints(points: readonly PredictionPoint[]): void {
  for (const p of points) {
    const problem = pointProblem(p)
    if (problem) {
      throw new HubError(
        'HUB_TELEMETRY_POINT_INVALID',
        `prediction ${p.deviceId}/${p.seq}/${p.index} not stored: ${problem}`,
      )
    }
  }
}

function pointProblem(p: PredictionPoint): string | null {
  if (typeof p.deviceId !== 'string' || p.deviceId.length === 0) return 'deviceId must be a non-empty string'
  if (!Number.isSafeInteger(p.seq) || p.seq < 0) return 'seq must be a non-negative integer'
  if (!Number.isInteger(p.index) || p.index < 0 || p.index >= MAX_ITEMS_PER_MESSAGE) {
    return `index must be an integer in [0, ${MAX_ITEMS_PER_MESSAGE})`
  }
  if (!Number.isInteger(p.ts) || p.ts < 0 || p.ts > MAX_POINT_TS) return `ts must be an integer ms timestamp in [0, ${MAX_POINT_TS}]`
  if (!Number.isFinite(p.latencyMs)) return 'latencyMs must be a finite number'
  if (p.confidence !== undefined && !Number.isFinite(p.confidence)) return 'confidence must be a finite number'
  return null
}

/** Validates a query's time range; `what` names the caller for the message. */
export function checkTimeRange(q: Partial<TimeRange>, what: string): void {
  for (const key of ['from', 'to'] as const) {
    const v = q[key]
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > MAX_POINT_TS)) {
      throw new HubError('HUB_TELEMETRY_QUERY_INVALID', `${what}: \`${key}\` must be an integer ms timestamp, got ${v}`)
    }
  }
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
    throw new HubError('HUB_TELEMETRY_QUERY_INVALID', `${what}: \`from\` (${q.from}) is after \`to\` (${q.to})`)
  }
}

/** Validates an aggregation's bucket width. */
export function checkBucketWidth(everyMs: number): void {
  if (!Number.isSafeInteger(everyMs) || everyMs <= 0) {
    throw new HubError('HUB_TELEMETRY_QUERY_INVALID', `aggregation bucket width must be a positive integer of ms, got ${everyMs}`)
  }
}

/** Validates a retention in days (0 = keep forever). */
export function checkRetentionDays(days: number): void {
  if (!Number.isFinite(days) || days < 0) {
    throw new HubError('HUB_CONFIG_INVALID', `telemetry retention must be a number of days >= 0 (0 keeps everything), got ${days}`)
  }
}

/** Reading times before this are expired under `days` of retention; null when kept forever. */
export function retentionCutoff(days: number, now = Date.now()): number | null {
  return days > 0 ? Math.floor(now - days * DAY_MS) : null
}

/** Error for a call on a closed store. */
export function closedError(kind: string): HubError {
  return new HubError('HUB_TELEMETRY_UNAVAILABLE', `the ${kind} telemetry store is closed`)
}
