/**
 * A latency histogram with logarithmic buckets (each 1 % wider than the last), so that millions of
 * samples cost a few hundred counters, histograms of several processes merge exactly, and any
 * percentile is known to within 1 %.
 */

/** Smallest value told apart (ms): below it everything lands in the first bucket. */
const MIN_MS = 0.001
const GROWTH = 1.01
const LOG_GROWTH = Math.log(GROWTH)

/** A histogram as it travels over IPC: bucket index → count, plus exact count, sum and max. */
export interface HistogramData {
  buckets: Record<number, number>
  count: number
  sumMs: number
  maxMs: number
}

export class LatencyHistogram {
  private readonly buckets = new Map<number, number>()
  count = 0
  sumMs = 0
  maxMs = 0

  /** Adds one sample, in milliseconds. */
  record(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH)
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + 1)
    this.count++
    this.sumMs += ms
    if (ms > this.maxMs) this.maxMs = ms
  }

  /** Adds every sample of another histogram. */
  merge(other: HistogramData): void {
    for (const [i, n] of Object.entries(other.buckets)) this.buckets.set(Number(i), (this.buckets.get(Number(i)) ?? 0) + n)
    this.count += other.count
    this.sumMs += other.sumMs
    this.maxMs = Math.max(this.maxMs, other.maxMs)
  }

  /**
   * The value at or below which `p` (0…1) of the samples lie: the upper edge of the bucket holding
   * it (at most 1 % above the true sample, never above the maximum); NaN when empty.
   */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN
    const rank = Math.max(1, Math.ceil(p * this.count))
    let seen = 0
    for (const i of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(i)!
      if (seen >= rank) return Math.min(MIN_MS * GROWTH ** i, this.maxMs)
    }
    return this.maxMs
  }

  toJSON(): HistogramData {
    return { buckets: Object.fromEntries(this.buckets), count: this.count, sumMs: this.sumMs, maxMs: this.maxMs }
  }

  static from(data: readonly HistogramData[]): LatencyHistogram {
    const h = new LatencyHistogram()
    for (const d of data) h.merge(d)
    return h
  }
}
