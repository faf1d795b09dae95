import type { FeatureThresholds, FeatureVerdict } from '@edgefleet/models/drift'
import type { TimeRange } from './telemetry-store.ts'

/**
 * Drift statistics over time: one record per judged window (a device's or the fleet's), with every
 * feature's statistics. Written by the drift engine as it judges; read by `GET /api/v1/drift/history`.
 *
 * Exactly-once: a window is keyed by (device or fleet, model, version, window end, seq). A device
 * window resent (QoS 1 redelivery, or judged again after a hub restart) has the same key and is
 * stored once; fleet windows have no seq and are keyed by their end.
 */

/** The thresholds a feature's statistics were judged against (calibrated to the window's size). */
export type DriftThresholds = FeatureThresholds

/** One feature's statistics in one window: what the drift engine's verdict holds, less the mean. */
export type DriftFeatureStats = Pick<FeatureVerdict, 'name' | 'count' | 'missingRate' | 'psi' | 'jensenShannon' | 'ks' | 'ksPValue' | 'wasserstein' | 'thresholds' | 'drifted'>

/** One judged window. */
export interface DriftWindowRecord {
  /** the window's end (its latest sample), ms since the epoch: the record's time */
  ts: number
  /** the window's first sample, ms since the epoch */
  start: number
  /** null for the fleet window of the model version */
  deviceId: string | null
  /** the device message that completed the window; null for the fleet */
  seq: number | null
  model: string
  version: string
  /** samples in the window */
  count: number
  /** share of features that drifted */
  driftShare: number
  /** true when the drift share reached the policy's `driftShare` */
  dataDrift: boolean
  /** in the model's feature order */
  features: DriftFeatureStats[]
}

/** Which stored windows to read: one model's, newest first. */
export interface DriftWindowQuery extends Partial<TimeRange> {
  model: string
  version?: string
  /** one device's windows */
  deviceId?: string
  /** true: the fleet's windows only; false: devices' windows only; absent (and no deviceId): both */
  fleet?: boolean
  /** only this feature's statistics (windows come back with `features` holding it, or empty) */
  feature?: string
  /** most windows returned (default 100, at most {@link MAX_DRIFT_WINDOWS}) */
  limit?: number
}

/** Most windows one query returns. */
export const MAX_DRIFT_WINDOWS = 1000
/** Windows returned when the query names no limit. */
export const DEFAULT_DRIFT_WINDOWS = 100
