import type { FeatureReference, FeatureSummary, OutputSummary } from '@edgefleet/protocol'
import { FeatureAccumulator } from './feature-accumulator.ts'
import { OutputAccumulator } from './output-accumulator.ts'

/** One closed window's content, ready for a `DriftSummary` message. */
export interface WindowContent {
  window: { start: number; end: number; count: number }
  features: FeatureSummary[]
  outputs: OutputSummary
}

/**
 * The agent's current drift window: every feature's and the outputs' summaries, in constant memory.
 * The caller decides when to close it (every N samples or T seconds) and calls `take()`.
 */
export class DriftWindow {
  private readonly features: FeatureAccumulator[]
  private readonly outputs: OutputAccumulator | null
  private rows = 0
  private start = 0
  private end = 0

  constructor(reference: readonly FeatureReference[], classCount: number | null) {
    this.features = reference.map((f) => new FeatureAccumulator(f.name, f.edges))
    this.outputs = classCount !== null && classCount > 1 ? new OutputAccumulator(classCount) : null
  }

  /** Adds one sample: its features in reference order (from `values` at `offset`) and, for classifiers, its probability row. */
  add(ts: number, values: ArrayLike<number>, offset: number, probabilities?: ArrayLike<number>, probabilityOffset = 0): void {
    if (this.rows === 0) {
      this.start = ts
      this.end = ts
    } else {
      if (ts < this.start) this.start = ts
      if (ts > this.end) this.end = ts
    }
    for (let j = 0; j < this.features.length; j++) this.features[j]!.add(values[offset + j]!)
    if (this.outputs && probabilities) this.outputs.addRow(probabilities, probabilityOffset)
    this.rows++
  }

  get count(): number {
    return this.rows
  }

  /** When the window's first sample was taken (ms since the epoch); 0 when empty. */
  get startedAt(): number {
    return this.rows === 0 ? 0 : this.start
  }

  /** Closes the window: returns its content and starts an empty one. */
  take(): WindowContent {
    const content: WindowContent = {
      window: { start: this.start, end: this.end, count: this.rows },
      features: this.features.map((f) => f.summary()),
      outputs: this.outputs ? this.outputs.summary() : {},
    }
    for (const f of this.features) f.reset()
    this.outputs?.reset()
    this.rows = 0
    return content
  }
}
