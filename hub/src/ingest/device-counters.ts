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
    return c ? { messages: c.messages, invalid: c.invalid, predictions: c.predictions, duplicates: c.duplicates } : { messages: 0, invalid: 0, predictions: 0, duplicates: 0 }
  }

  private entry(deviceId: string): Counters & { recent: Set<number> } {
    let c = this.byDevice.get(deviceId)
    if (!c) this.byDevice.set(deviceId, (c = { messages: 0, invalid: 0, predictions: 0, duplicates: 0, recent: new Set() }))
    return c
  }

  invalid(deviceId: string): void {
    this.entry(deviceId).invalid++
  }

  /**
   * Counts a valid message; returns false when its seq was seen recently (a QoS 1 redelivery or a
   * resend after reconnect). Storage stays idempotent regardless: this only keeps the counters honest.
   */
  message(deviceId: string, seq: number | undefined): boolean {
    const c = this.entry(deviceId)
    c.messages++
    if (seq === undefined) return true
    if (c.recent.has(seq)) {
      c.duplicates++
      return false
    }
    c.recent.add(seq)
    if (c.recent.size > RECENT_SEQS) c.recent.delete(c.recent.values().next().value!)
    return true
  }

  predictions(deviceId: string, n: number): void {
    this.entry(deviceId).predictions += n
  }

  forget(deviceId: string): void {
    this.byDevice.delete(deviceId)
  }
}
