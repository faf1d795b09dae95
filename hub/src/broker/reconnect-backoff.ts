/**
 * Exponential reconnect delays: `initialMs`, twice that, … up to `maxMs`. Pure, so the external
 * broker's timing is tested without a broker or a clock.
 */
export class ReconnectBackoff {
  private attempt = 0

  /**
   * @param initialMs the first delay, and the delay after {@link reset}
   * @param maxMs no delay is longer than this
   */
  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
  ) {}

  /** The delay before the next attempt; each call doubles it, up to the maximum. */
  next(): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30))
    this.attempt++
    return delay
  }

  /** Back to the initial delay (after a connection that worked). */
  reset(): void {
    this.attempt = 0
  }
}
