import type { Manifest } from '@edgefleet/protocol'
import { AgentError } from '../errors.ts'

/**
 * Where each reference feature sits among the model's inputs: `order[j]` is the model index of the
 * reference's j-th feature, or `null` when both orders agree (the usual case: no copy per sample).
 */
export function referenceOrder(modelFeatures: readonly string[], referenceFeatures: readonly { name: string }[]): Int32Array | null {
  const index = new Map(modelFeatures.map((f, i) => [f, i]))
  const order = new Int32Array(referenceFeatures.length)
  let identity = referenceFeatures.length === modelFeatures.length
  for (let j = 0; j < referenceFeatures.length; j++) {
    const name = referenceFeatures[j]!.name
    const i = index.get(name)
    if (i === undefined) {
      throw new AgentError('MODEL_MANIFEST_INVALID', `the reference statistics name feature ${name}, which is not an input of the model; rebuild the package`)
    }
    order[j] = i
    if (i !== j) identity = false
  }
  return identity ? null : order
}

/** How many classes a classifier's output row holds; `null` for regression and detection models. */
export function classCountOf(manifest: Manifest): number | null {
  const output = manifest.outputs[0]
  if (manifest.task !== 'classification' || !output || (output.role !== 'probabilities' && output.role !== 'logits')) return null
  const last = output.shape.at(-1)
  const n = output.labels?.length ?? (typeof last === 'number' ? last : manifest.reference.outputs.classDistribution?.length)
  return n !== undefined && n > 1 ? n : null
}

/** Softmax of `width` logits of `data` at `offset`, into `into` (reused: this runs per sample). */
export function softmaxInto(data: ArrayLike<number>, offset: number, width: number, into: Float64Array): void {
  let max = -Infinity
  for (let k = 0; k < width; k++) if (data[offset + k]! > max) max = data[offset + k]!
  let sum = 0
  for (let k = 0; k < width; k++) sum += into[k] = Math.exp(data[offset + k]! - max)
  for (let k = 0; k < width; k++) into[k]! /= sum
}
