import { FLEET_SCOPE } from '@edgefleet/protocol'
import type { IPoint } from 'influx'
import type { DriftWindowRecord } from './drift-records.ts'

/** One point per judged window. */
export const DRIFT_WINDOWS_MEASUREMENT = 'drift_windows'
/** One point per feature of a judged window. */
export const DRIFT_FEATURES_MEASUREMENT = 'drift_features'

const NS_PER_MS = 1_000_000n
/** seqs that share one millisecond's nanosecond slots */
const SEQ_SLOTS = 1_000_000n

/*
 * The point key of a drift window, as for predictions (`influx-point.ts`): a resent window must
 * overwrite itself and two windows must never meet, without a tag per window.
 *
 *   drift_windows,device=<id | _fleet>,model=<name>,version=<semver>
 *   drift_features,device=<id | _fleet>,feature=<name>,model=<name>,version=<semver>
 *   timestamp: window end (ms) × 1 000 000 + seq mod 1 000 000        (fleet: + 0)
 *
 * Two windows of one device collide only if they end in the same millisecond and their seqs differ
 * by a multiple of a million. Fleet windows are keyed by their end (the latest sample of all their
 * device windows), which moves on from one fleet period to the next.
 *
 * Cardinality: `drift_windows` one series per device × model version (as predictions without the
 * label); `drift_features` that times the model's feature count, which the manifest bounds (the
 * gas-sensor model: 128). Feature is a tag so one feature's history is one series read, not a scan.
 * Both points carry `seq` (absent for the fleet) and the features their position `idx`: a query
 * answers in milliseconds, so windows and features are joined on (device, version, ms, seq).
 */
export function driftTimeNs(r: Pick<DriftWindowRecord, 'ts' | 'seq'>): string {
  return (BigInt(r.ts) * NS_PER_MS + (r.seq === null ? 0n : BigInt(r.seq) % SEQ_SLOTS)).toString()
}

/** A window as InfluxDB points: the window's, then one per feature (write with precision 'n'). */
export function toDriftPoints(r: DriftWindowRecord): IPoint[] {
  const timestamp = driftTimeNs(r)
  const device = r.deviceId ?? FLEET_SCOPE
  const seq: Record<string, number> = r.seq === null ? {} : { seq: r.seq }
  const points: IPoint[] = [{
    measurement: DRIFT_WINDOWS_MEASUREMENT,
    tags: { device, model: r.model, version: r.version },
    fields: { ...seq, start: r.start, count: r.count, driftShare: r.driftShare, dataDrift: r.dataDrift },
    timestamp,
  }]
  r.features.forEach((f, idx) => {
    const t = f.thresholds
    points.push({
      measurement: DRIFT_FEATURES_MEASUREMENT,
      tags: { device, feature: f.name, model: r.model, version: r.version },
      fields: {
        ...seq, idx, count: f.count, missingRate: f.missingRate, psi: f.psi, js: f.jensenShannon, ks: f.ks, ksP: f.ksPValue,
        wasserstein: f.wasserstein, psiT: t.psi, jsT: t.jensenShannon, ksT: t.ks, wassersteinT: t.wasserstein, drifted: f.drifted,
      },
      timestamp,
    })
  })
  return points
}
