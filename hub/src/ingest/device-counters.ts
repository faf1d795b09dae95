import type { Static } from 'typebox'
import type { DeviceCounters as DeviceCountersSchema } from '@edgefleet/protocol'

export type Counters = Static<typeof DeviceCountersSchema>

/** How many recent sequence numbers per device are remembered to recognise redeliveries. */
const RECENT_SEQS = 4096

/** Per-device message tallies since the hub started (the durable record is in the stores). */
export class DeviceCounters {
  private readonly byDevice = new Map<string, Counters & { recent: Set<number> }>()

  get(deviceId: string): Counters {
    const c = this.byDevice.get(deviceId)
    if (!c) return { messages: 0, invalid: 0, predictions: 0, duplicates: 0 }
    return { messages: c.messages, invalid: c.invalid, predictions: c.predictions, duplicates: c.duplicates, ...(c.refused ? { refused: c.refused } : {}) }
  }

  private entry(deviceId: string): Counters & { recent: Set<number> } {
    let c = this.byDevice.get(deviceId)
    if (!c) this.byDevice.set(deviceId, (c = { messages: 0, invalid: 0, predictions: 0, duplicates: 0, recent: new Set() }))
    return c
  }

  invalid(deviceId: string): void {
    this.entry(deviceId).invalid++
  }

  /** A publish of the device refused by a limit (payload size, publish rate). */
  refused(deviceId: string): void {
    const c = this.entry(deviceId)
    c.refused = (c.refused ?? 0) + 1
  }

  /** True when this seq was stored recently: a QoS 1 redelivery or a resend after a reconnect. */
  seen(deviceId: string, seq: number | undefined): boolean {
    return seq !== undefined && (this.byDevice.get(deviceId)?.recent.has(seq) ?? false)
  }

  /**
   * Counts a valid message once it has been handled (stored). Only then is its seq remembered: a
   * message whose store failed is not a duplicate when it comes again. Storage is idempotent anyway;
   * this keeps the counters honest.
   */
  handled(deviceId: string, seq: number | undefined, duplicate: boolean, predictions: number): void {
    const c = this.entry(deviceId)
    c.messages++
    c.predictions += predictions
    if (duplicate) c.duplicates++
    if (seq === undefined || c.recent.has(seq)) return
    c.recent.add(seq)
    if (c.recent.size > RECENT_SEQS) c.recent.delete(c.recent.values().next().value!)
  }

  forget(deviceId: string): void {
    this.byDevice.delete(deviceId)
  }
}
