import type { BatchOutput } from '../model/serving-model.ts'

/** Latency of the batches since the last status: per-sample mean over all of them, and a 95th percentile. */
export interface LatencyFigures {
  latencyMs: number
  latencyP95Ms: number
}

/**
 * Health of one served model since it was loaded, as the hub's rollout gates read it from the
 * status message: inference runs, failed runs (threw, or produced NaN/Infinity), and a ring of the
 * last `capacity` batches' per-sample latencies, drained at each status interval.
 */
export class ModelHealth {
  /** inference runs (batches) since the model was loaded */
  runs = 0
  /** runs that threw or whose output was not finite */
  errors = 0
  /** readings of the failed runs: read, counted, but no prediction made */
  failedReadings = 0
  private readonly perSample: Float64Array
  private readonly rows: Float64Array
  private next = 0
  private filled = 0
  private sumMs = 0
  private sumRows = 0

  constructor(private readonly capacity = 512) {
    this.perSample = new Float64Array(capacity)
    this.rows = new Float64Array(capacity)
  }

  /** One successful run: `elapsedMs` wall time for `rows` readings. */
  recordRun(elapsedMs: number, rows: number): void {
    this.runs++
    this.sumMs += elapsedMs
    this.sumRows += rows
    this.perSample[this.next] = elapsedMs / rows
    this.rows[this.next] = rows
    this.next = (this.next + 1) % this.capacity
    if (this.filled < this.capacity) this.filled++
  }

  /** One failed run over `rows` readings. */
  recordError(rows: number): void {
    this.runs++
    this.errors++
    this.failedReadings += rows
  }

  /**
   * Latency since the last call (mean over every batch, p95 weighted by readings over the last
   * `capacity` batches), then starts a new interval. `undefined` when no batch ran.
   */
  takeLatency(): LatencyFigures | undefined {
    if (this.sumRows === 0) return undefined
    const n = this.filled
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.perSample[a]! - this.perSample[b]!)
    let total = 0
    for (let i = 0; i < n; i++) total += this.rows[i]!
    let seen = 0
    let p95 = this.perSample[order[n - 1]!]!
    for (const i of order) {
      seen += this.rows[i]!
      if (seen >= 0.95 * total) {
        p95 = this.perSample[i]!
        break
      }
    }
    const figures = { latencyMs: this.sumMs / this.sumRows, latencyP95Ms: p95 }
    this.sumMs = 0
    this.sumRows = 0
    this.filled = 0
    this.next = 0
    return figures
  }
}

/** True when every value is finite: a model that outputs NaN or Infinity has failed on that batch. */
export function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) {
    // NaN - NaN and ±Infinity - ±Infinity are NaN, so one comparison per value
    if (data[i]! - data[i]! !== 0) return false
  }
  return true
}

/** True when every value of a batch's outputs (the main one and the others) is finite. */
export function outputFinite(output: BatchOutput): boolean {
  if (!allFinite(output.data)) return false
  for (const t of Object.values(output.tensors ?? {})) if (!allFinite(t)) return false
  return true
}
