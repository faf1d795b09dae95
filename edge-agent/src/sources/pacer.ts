import { setTimeout as sleep } from 'node:timers/promises'

/** Spaces events at a fixed rate, catching up after pauses without bursting more than a second's worth. */
export class Pacer {
  private next = performance.now()
  private readonly interval: number
  constructor(perSecond: number) {
    if (!(perSecond > 0)) throw new RangeError(`rate must be positive, got ${perSecond}`)
    this.interval = 1000 / perSecond
  }

  async wait(signal?: AbortSignal): Promise<void> {
    const now = performance.now()
    this.next = Math.max(this.next, now - 1000) + this.interval
    const delay = this.next - this.interval - now
    // sleeping below ~1 ms is not possible with timers; accumulate small debts and sleep once
    if (delay >= 1) await sleep(delay, undefined, { signal }).catch(() => {})
  }
}
