/**
 * When each simulated device publishes: every device at the same rate, their start times spread
 * evenly over one period so that the fleet's load is flat rather than a burst each second.
 */

/**
 * Start offset (ms after the common start) of device `index` of `total`: device i publishes at
 * offset(i) + k · period, k = 0, 1, 2, …
 */
export function spreadOffsetMs(index: number, total: number, periodMs: number): number {
  return (index * periodMs) / total
}

/** The devices of one process, by their global index: device g goes to process g mod `processes`. */
export function devicesOfProcess(total: number, processes: number, process: number): number[] {
  const out: number[] = []
  for (let g = process; g < total; g += processes) out.push(g)
  return out
}

/**
 * Walks one process's devices in the order their publishes fall due. `offsetsMs` must ascend (as
 * {@link spreadOffsetMs} of ascending indices does) and lie within one period.
 */
export class DueCursor {
  private next = 0
  private round = 0

  constructor(private readonly offsetsMs: readonly number[], private readonly periodMs: number) {}

  /** Calls `publish(local index, round)` for every publish due at or before `elapsedMs`; returns how many. */
  takeDue(elapsedMs: number, publish: (device: number, round: number) => void): number {
    let n = 0
    if (this.offsetsMs.length === 0) return 0
    while (this.round * this.periodMs + this.offsetsMs[this.next]! <= elapsedMs) {
      publish(this.next, this.round)
      n++
      if (++this.next === this.offsetsMs.length) {
        this.next = 0
        this.round++
      }
    }
    return n
  }
}

/**
 * Whether message number `n` (0, 1, 2, … of one process) is a malformed one, so that exactly
 * ⌊n · ratio⌋ of the first n are, spread evenly.
 */
export function isInvalidAt(n: number, ratio: number): boolean {
  return ratio > 0 && Math.floor((n + 1) * ratio) > Math.floor(n * ratio)
}
