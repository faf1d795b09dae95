import type { Rejection } from '../sources/source.ts'

/** Per-source tallies; accuracy only when the source carries labels. */
export interface SourceStats {
  readings: number
  labelled: number
  correct: number
}

/** What the agent did, for summaries, status messages and the benchmark. */
export class AgentStats {
  readings = 0
  predictions = 0
  batches = 0
  /** readings of batches whose inference failed (threw, or output NaN/Infinity): read, but not predicted */
  failedReadings = 0
  /** wall time inside session.run, ms */
  inferenceMs = 0
  /** camera frames predicted, and the wall time their sources spent decoding, resizing and normalising them, ms */
  frames = 0
  prepareMs = 0
  readonly rejected = new Map<Rejection['code'], number>()
  readonly sources = new Map<string, SourceStats>()
  readonly startedAt = performance.now()

  reject(code: Rejection['code']): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1)
  }

  get rejectedTotal(): number {
    let n = 0
    for (const v of this.rejected.values()) n += v
    return n
  }

  /** readings dropped because the queue was full (live sources) */
  get dropped(): number {
    return this.rejected.get('AGENT_QUEUE_FULL') ?? 0
  }

  source(name: string): SourceStats {
    let s = this.sources.get(name)
    if (!s) this.sources.set(name, (s = { readings: 0, labelled: 0, correct: 0 }))
    return s
  }

  toJSON(): object {
    const elapsedS = (performance.now() - this.startedAt) / 1000
    return {
      readings: this.readings,
      predictions: this.predictions,
      ...(this.failedReadings > 0 ? { failedReadings: this.failedReadings } : {}),
      batches: this.batches,
      rejected: Object.fromEntries(this.rejected),
      elapsedS: round(elapsedS, 3),
      predictionsPerS: round(this.predictions / Math.max(elapsedS, 1e-9), 1),
      meanLatencyMs: round(this.inferenceMs / Math.max(this.predictions, 1), 5),
      ...(this.frames > 0 ? { frames: this.frames, meanPrepareMs: round(this.prepareMs / this.frames, 3) } : {}),
      // peak resident memory of the whole process so far (resourceUsage reports KiB)
      maxRssMB: round(process.resourceUsage().maxRSS / 1024, 1),
      sources: Object.fromEntries(
        [...this.sources].map(([name, s]) => [name, { ...s, ...(s.labelled > 0 ? { accuracy: round(s.correct / s.labelled, 4) } : {}) }]),
      ),
    }
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
