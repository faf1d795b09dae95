import type { DriftState, ShadowState, Status } from '@edgefleet/protocol'

/** Status intervals whose p95 latencies make up {@link DeviceHealthReport.latencyP95StableMs}. */
export const STABLE_INTERVALS = 5

/** What the latest status message of a device said about its model's health. */
export interface DeviceHealthReport {
  deviceId: string
  /** when the hub received it */
  at: number
  online: boolean
  model: { name: string; version: string; sha256: string } | null
  /** mean per-sample inference latency over the device's last status interval, ms */
  latencyMs?: number
  /** p95 of per-sample inference latency over the same interval, ms */
  latencyP95Ms?: number
  /**
   * median of the p95s of the last (up to) {@link STABLE_INTERVALS} status intervals with the same model, ms: what
   * rollout gates judge, since one interval's p95 of a sub-millisecond model jumps tenfold with one GC pause
   */
  latencyP95StableMs?: number
  /** how many intervals with the current model {@link latencyP95StableMs} is the median of (1 to {@link STABLE_INTERVALS}) */
  latencyIntervals?: number
  /** inference runs and failed (or non-finite) runs since the model was loaded */
  inferenceRuns?: number
  inferenceErrors?: number
  shadow?: ShadowState | null
  drift?: DriftState
}

/**
 * The newest health report of every device, from its status messages (sent on connect and every status
 * interval, retained). Kept in memory: a restarted hub has every online device's report again within one
 * status interval; what a rollout must not forget (a device's latency before its update) the rollout stores.
 */
export class DeviceHealth {
  private readonly reports = new Map<string, DeviceHealthReport>()
  /** per device: the model the recent p95s were measured with, and those p95s, oldest first */
  private readonly recent = new Map<string, { sha256: string | null; p95s: number[] }>()

  observe(s: Status, at: number = Date.now()): void {
    const prev = this.reports.get(s.deviceId)
    if (s.state === 'offline') {
      // an offline status (last will, shutdown) says nothing about the model: keep the last figures
      this.reports.set(s.deviceId, { ...(prev ?? { deviceId: s.deviceId, model: null }), at, online: false })
      return
    }
    const r: DeviceHealthReport = { deviceId: s.deviceId, at, online: true, model: s.model ?? prev?.model ?? null }
    if (s.latencyMs !== undefined) r.latencyMs = s.latencyMs
    if (s.latencyP95Ms !== undefined) {
      r.latencyP95Ms = s.latencyP95Ms
      r.latencyP95StableMs = this.stableP95(s.deviceId, r.model?.sha256 ?? null, s.latencyP95Ms)
      r.latencyIntervals = this.recent.get(s.deviceId)!.p95s.length
    }
    if (s.counters?.inferenceRuns !== undefined) r.inferenceRuns = s.counters.inferenceRuns
    if (s.counters?.inferenceErrors !== undefined) r.inferenceErrors = s.counters.inferenceErrors
    if (s.shadow !== undefined) r.shadow = s.shadow
    if (s.drift !== undefined) r.drift = s.drift
    this.reports.set(s.deviceId, r)
  }

  get(deviceId: string): DeviceHealthReport | undefined {
    return this.reports.get(deviceId)
  }

  forget(deviceId: string): void {
    this.reports.delete(deviceId)
    this.recent.delete(deviceId)
  }

  /** Adds one interval's p95 to the device's recent ones (started afresh when its model changes); returns their median. */
  private stableP95(deviceId: string, sha256: string | null, p95: number): number {
    let recent = this.recent.get(deviceId)
    if (!recent || recent.sha256 !== sha256) this.recent.set(deviceId, (recent = { sha256, p95s: [] }))
    recent.p95s.push(p95)
    if (recent.p95s.length > STABLE_INTERVALS) recent.p95s.shift()
    const sorted = [...recent.p95s].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  }
}
