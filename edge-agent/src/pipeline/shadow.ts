import type { ShadowState } from '@edgefleet/protocol'
import { modelInput, type BatchOutput, type ServingModel } from '../model/serving-model.ts'
import type { SourceRecord } from '../sources/source.ts'
import { outputFinite } from './model-health.ts'
import type { ServedModel } from './model-slot.ts'

type Output = BatchOutput

/**
 * How a shadow candidate compares with the served model on the same inputs, since it was loaded:
 * top-1 agreement (both classifiers), mean absolute difference of the outputs (same output role
 * and width), and its own per-sample latency. Failed candidate runs are counted, never served.
 */
export class ShadowComparison {
  samples = 0
  /** candidate runs that threw or produced NaN/Infinity */
  errors = 0
  private agreed = 0
  private classified = 0
  private diffSum = 0
  private diffValues = 0
  private inferenceMs = 0

  /** Adds one batch: the served model's and the candidate's outputs for the same `rows` inputs. */
  add(active: ServingModel, activeOut: Output, candidate: ServingModel, candidateOut: Output, rows: number, elapsedMs: number): void {
    this.samples += rows
    this.inferenceMs += elapsedMs
    const a = active.manifest
    const c = candidate.manifest
    if (a.task === 'classification' && c.task === 'classification') {
      for (let i = 0; i < rows; i++) if (argmax(activeOut, i) === argmax(candidateOut, i)) this.agreed++
      this.classified += rows
    }
    if (activeOut.width === candidateOut.width && a.outputs[0]!.role === c.outputs[0]!.role) {
      const n = rows * activeOut.width
      for (let k = 0; k < n; k++) this.diffSum += Math.abs(activeOut.data[k]! - candidateOut.data[k]!)
      this.diffValues += n
    }
  }

  /** The status message's `shadow` field. */
  state(candidate: ServedModel): ShadowState {
    return {
      ...candidate.ref,
      samples: this.samples,
      ...(this.classified > 0 ? { agreement: this.agreed / this.classified } : {}),
      ...(this.diffValues > 0 ? { meanAbsDiff: this.diffSum / this.diffValues } : {}),
      ...(this.samples > 0 ? { latencyMs: this.inferenceMs / this.samples } : {}),
    }
  }
}

/** A candidate running beside the served model. */
export interface ShadowCandidate {
  readonly served: ServedModel
  readonly comparison: ShadowComparison
  buffer?: Float32Array
  /** rows `buffer` holds */
  bufferRows?: number
}

/**
 * Runs the candidate on a batch the served model has just run (its own preprocessing, its own
 * buffer) and records the comparison. Never throws: the candidate cannot affect what is served.
 */
export async function runShadow(c: ShadowCandidate, records: readonly SourceRecord[], active: ServingModel, activeOut: Output): Promise<void> {
  const model = c.served.model
  const rows = records.length
  if (!c.buffer || (c.bufferRows ?? 0) < rows) {
    c.buffer = model.allocate(rows)
    c.bufferRows = rows
  }
  const t0 = performance.now()
  try {
    for (let i = 0; i < rows; i++) model.put(modelInput(records[i]!), c.buffer, i)
    const out = await model.run(c.buffer, rows)
    const elapsed = performance.now() - t0
    if (!outputFinite(out)) c.comparison.errors++
    else c.comparison.add(active, activeOut, model, out, rows, elapsed)
  } catch {
    c.comparison.errors++
  }
}

function argmax(o: Output, row: number): number {
  const base = row * o.width
  let best = 0
  for (let k = 1; k < o.width; k++) if (o.data[base + k]! > o.data[base + best]!) best = k
  return best
}
