import type { TelemetryStore } from '../telemetry/telemetry-store.ts'

/** How far back the confidence before an update is measured. */
export const CONFIDENCE_BEFORE_MS = 10 * 60_000
/** How long a device's confidence since its update is reused before it is read again. */
const REFRESH_MS = 10_000

/**
 * Mean top-class confidence of a device's stored predictions, for the confidence-drop gate: before its
 * update (the last 10 minutes, read once at assignment) and since it reported the candidate active (read
 * at most every 10 s per device, so a large wave does not query the telemetry store on every engine step).
 */
export class ConfidenceReader {
  private readonly after = new Map<string, { since: number; at: number; value: number | null }>()

  constructor(private readonly telemetry: TelemetryStore, private readonly now: () => number = Date.now) {}

  /** Mean confidence over the window before `at`; null without predictions (or confidences) there. */
  async before(deviceId: string, at: number): Promise<number | null> {
    return this.mean(deviceId, at - CONFIDENCE_BEFORE_MS, at)
  }

  /** Refreshes (when stale) the mean confidence since `since` for each device. */
  async refresh(devices: readonly { id: string; since: number }[]): Promise<void> {
    const now = this.now()
    for (const d of devices) {
      const known = this.after.get(d.id)
      if (known && known.since === d.since && now - known.at < REFRESH_MS) continue
      this.after.set(d.id, { since: d.since, at: now, value: await this.mean(d.id, d.since, now + 1) })
    }
  }

  /** The last value read for a device since its update. */
  since(deviceId: string): number | null {
    return this.after.get(deviceId)?.value ?? null
  }

  private async mean(deviceId: string, from: number, to: number): Promise<number | null> {
    if (to <= from) return null
    const buckets = await this.telemetry.aggregatePredictions({ deviceId, from, to, everyMs: to - from })
    let n = 0
    let sum = 0
    for (const b of buckets) {
      if (b.meanConfidence === null) continue
      n += b.count
      sum += b.meanConfidence * b.count
    }
    return n > 0 ? sum / n : null
  }
}
