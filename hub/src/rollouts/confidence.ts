import type { TelemetryStore } from '../telemetry/telemetry-store.ts'

/** How long a figure is reused before it is read again from the telemetry store. */
const REFRESH_MS = 10_000
/** Most control devices read per refresh: enough for a stable mean, bounded for large fleets. */
export const MAX_CONTROL_DEVICES = 50

/** An updated device and when it reported the candidate active. */
export interface UpdatedDevice {
  id: string
  since: number
}

/**
 * Mean top-class confidence of stored predictions, for the confidence-drop gate. Each updated device's
 * mean since its update is compared with a contemporaneous control: the mean of devices the rollout has
 * not updated (up to {@link MAX_CONTROL_DEVICES}), over the same period. Comparing a device with itself
 * before the update would blame the model for inputs that changed with time (drift, a shift, a season);
 * comparing with its peers at the same time does not (canary analysis). Figures are re-read at most
 * every 10 s, so a large wave does not query the telemetry store on every engine step.
 */
export class ConfidenceReader {
  private readonly after = new Map<string, { since: number; value: number | null }>()
  private control: number | null = null
  private readAt = -Infinity

  constructor(private readonly telemetry: TelemetryStore, private readonly now: () => number = Date.now) {}

  /** Refreshes (when stale) each updated device's mean since its update and the control's over the same period. */
  async refresh(updated: readonly UpdatedDevice[], controls: readonly string[]): Promise<void> {
    const now = this.now()
    if (now - this.readAt < REFRESH_MS && updated.every((d) => this.after.get(d.id)?.since === d.since)) return
    this.readAt = now
    for (const d of updated) this.after.set(d.id, { since: d.since, value: await this.mean([d.id], d.since, now + 1) })
    const from = Math.min(...updated.map((d) => d.since))
    this.control = updated.length > 0 && controls.length > 0 ? await this.mean(controls.slice(0, MAX_CONTROL_DEVICES), from, now + 1) : null
  }

  /** A device's mean confidence since its update, and the control's over that period; null when either is unknown. */
  pair(deviceId: string): { baseline: number; candidate: number } | null {
    const candidate = this.after.get(deviceId)?.value ?? null
    return candidate === null || this.control === null ? null : { baseline: this.control, candidate }
  }

  private async mean(deviceIds: readonly string[], from: number, to: number): Promise<number | null> {
    if (to <= from) return null
    let n = 0
    let sum = 0
    for (const deviceId of deviceIds) {
      for (const b of await this.telemetry.aggregatePredictions({ deviceId, from, to, everyMs: to - from })) {
        if (b.meanConfidence === null) continue
        n += b.count
        sum += b.meanConfidence * b.count
      }
    }
    return n > 0 ? sum / n : null
  }
}
