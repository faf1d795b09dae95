import type { OutputSummary } from '@edgefleet/protocol'
import { binIndex } from '../reference/bin-index.ts'
import { CONFIDENCE_EDGES } from '../reference/output-reference.ts'

/**
 * Summary of a classifier's outputs over a window: predicted (arg-max) class counts, a histogram of
 * top-1 confidence over {@link CONFIDENCE_EDGES}, and the sum of row entropies (nats) — computed the
 * same way as `outputReference`, so window and reference compare like with like.
 */
export class OutputAccumulator {
  private readonly classCounts: Uint32Array
  private readonly confidenceBins = new Uint32Array(CONFIDENCE_EDGES.length - 1)
  private entropySum = 0
  private rows = 0

  constructor(readonly classCount: number) {
    if (!Number.isInteger(classCount) || classCount < 1) throw new RangeError(`classCount must be a positive integer, got ${classCount}`)
    this.classCounts = new Uint32Array(classCount)
  }

  /** Adds one row of class probabilities, read from `probabilities` at `offset`. */
  addRow(probabilities: ArrayLike<number>, offset = 0): void {
    const c = this.classCount
    let best = 0
    let entropy = 0
    for (let j = 0; j < c; j++) {
      const p = probabilities[offset + j]!
      if (p > probabilities[offset + best]!) best = j
      if (p > 0) entropy -= p * Math.log(p)
    }
    this.classCounts[best]!++
    const bin = binIndex(CONFIDENCE_EDGES, probabilities[offset + best]!) - 1
    this.confidenceBins[Math.min(Math.max(bin, 0), this.confidenceBins.length - 1)]!++
    // NaN probabilities (a broken model) must not poison the sum
    if (Number.isFinite(entropy)) this.entropySum += entropy
    this.rows++
  }

  get count(): number {
    return this.rows
  }

  summary(): OutputSummary {
    return { classCounts: Array.from(this.classCounts), confidenceBins: Array.from(this.confidenceBins), entropySum: this.entropySum }
  }

  reset(): void {
    this.classCounts.fill(0)
    this.confidenceBins.fill(0)
    this.entropySum = 0
    this.rows = 0
  }
}
