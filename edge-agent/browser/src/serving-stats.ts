import type { Status } from '@edgefleet/protocol'

/** Counters and latencies of the served model, for status messages and the page. */
export class ServingStats {
  /** frames the model ran on */
  inferenceRuns = 0
  /** frames that failed (the model threw, or the frame could not be read) */
  inferenceErrors = 0
  /** predictions published (one per frame) */
  predictions = 0
  private latencies: number[] = []
  /** when the last 30 frames finished, and their latencies */
  private readonly recent: number[] = []
  private readonly recentLatencies: number[] = []

  /** One frame served; `at` is when it finished (performance.now()). */
  recordFrame(latencyMs: number, at: number): void {
    this.inferenceRuns++
    this.predictions++
    if (this.latencies.length < 10_000) this.latencies.push(latencyMs)
    this.recent.push(at)
    this.recentLatencies.push(latencyMs)
    if (this.recent.length > 30) {
      this.recent.shift()
      this.recentLatencies.shift()
    }
  }

  /** Mean inference latency of the last 30 frames, ms (undefined before the first). */
  recentLatencyMs(): number | undefined {
    const n = this.recentLatencies.length
    return n === 0 ? undefined : this.recentLatencies.reduce((a, b) => a + b, 0) / n
  }

  recordError(): void {
    this.inferenceErrors++
  }

  /** Frames per second over the last 30 frames (0 before two of them, or after 3 s without one). */
  fps(now: number): number {
    const n = this.recent.length
    if (n < 2 || now - this.recent[n - 1]! > 3000) return 0
    return ((n - 1) * 1000) / (this.recent[n - 1]! - this.recent[0]!)
  }

  /** The status fields of the interval since the last call: counters, mean and p95 latency. */
  takeInterval(): Pick<Status, 'counters' | 'latencyMs' | 'latencyP95Ms'> {
    const sorted = this.latencies.sort((a, b) => a - b)
    this.latencies = []
    const counters = {
      predictions: this.predictions, invalidReadings: 0, droppedReadings: 0, errors: this.inferenceErrors,
      inferenceErrors: this.inferenceErrors, inferenceRuns: this.inferenceRuns,
    }
    if (sorted.length === 0) return { counters }
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length
    const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!
    return { counters, latencyMs: round(mean), latencyP95Ms: round(p95) }
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100
}
