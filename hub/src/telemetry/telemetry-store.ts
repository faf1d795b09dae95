import type { DriftWindowQuery, DriftWindowRecord } from './drift-records.ts'

/**
 * Telemetry: what devices measured and predicted, and how their data drifted, over time. One interface, two implementations
 * (embedded SQLite, the default; InfluxDB 1.x), one contract suite (`telemetry.contract.test.ts`).
 *
 * Exactly-once: every point is keyed by (deviceId, seq, index) — the device's message sequence number
 * and the item's position in that message — and writing the same key again changes nothing. That is
 * what lets the hub store each prediction once when QoS 1 redelivers or an agent resends.
 */

export interface PredictionPoint {
  deviceId: string
  /** the device message's sequence number */
  seq: number
  /** position of the prediction within its message */
  index: number
  /** when the reading was taken, ms since the epoch */
  ts: number
  model: string
  version: string
  /** the reading's id from the device */
  readingId: string
  label?: string
  classIndex?: number
  confidence?: number
  latencyMs: number
  /** regression outputs */
  value?: number[]
  /** true for a shadow model's predictions */
  shadow?: boolean
}

export interface TimeRange {
  /** ms since the epoch, inclusive */
  from: number
  /** ms since the epoch, exclusive */
  to: number
}

export interface PredictionQuery extends Partial<TimeRange> {
  deviceId?: string
  model?: string
}

/** One time bucket of a device's predictions. */
export interface PredictionBucket {
  /** bucket start, ms since the epoch */
  t: number
  count: number
  meanConfidence: number | null
  meanLatencyMs: number | null
  /** predictions per label in the bucket */
  labels: Record<string, number>
}

export interface TelemetryStore {
  /** which implementation: 'sqlite' | 'influxdb' */
  readonly kind: string
  /** Writes points; idempotent per (deviceId, seq, index). Resolves when durable. */
  writePredictions(points: readonly PredictionPoint[]): Promise<void>
  countPredictions(q?: PredictionQuery): Promise<number>
  /**
   * Aggregates one device's predictions in [from, to) into buckets of `everyMs`. Buckets start at
   * `from` (t = from + k × everyMs; pass an aligned `from` for stable buckets across calls), come in
   * ascending order, and only buckets holding predictions are returned.
   */
  aggregatePredictions(q: TimeRange & { deviceId: string; everyMs: number }): Promise<PredictionBucket[]>
  /**
   * Writes judged drift windows with their per-feature statistics; idempotent per (device or fleet,
   * model, version, window end, seq). Resolves when durable. Windows older than the retention are left out.
   */
  writeDriftWindows(records: readonly DriftWindowRecord[]): Promise<void>
  /** One model's stored drift windows in [from, to) (by window end), newest first. */
  queryDriftWindows(q: DriftWindowQuery): Promise<DriftWindowRecord[]>
  /** Deletes predictions and drift windows older than `days` now and from then on (0 = keep forever). */
  setRetention(days: number): Promise<void>
  close(): Promise<void>
}
