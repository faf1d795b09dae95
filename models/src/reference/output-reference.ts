import type { Manifest } from '@edgefleet/protocol'
import { binIndex } from './bin-index.ts'

/** Reference statistics of a classifier's outputs (`manifest.reference.outputs`). */
export type OutputReference = Manifest['reference']['outputs']

/** Edges of the top-1 confidence histogram: 10 equal bins over 0..1. */
export const CONFIDENCE_EDGES: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10)

/**
 * Output reference of a classifier from its probability rows (`probabilities` row-major, `classCount`
 * per row): the share of each predicted (arg-max) class, a histogram of top-1 confidence over
 * {@link CONFIDENCE_EDGES} (values outside 0..1 from rounding count in the first or last bin), and the
 * mean entropy of the rows in nats.
 */
export function outputReference(probabilities: ArrayLike<number>, classCount: number): OutputReference {
  if (!Number.isInteger(classCount) || classCount < 1) throw new RangeError(`classCount must be a positive integer, got ${classCount}`)
  const rows = probabilities.length / classCount
  if (!Number.isInteger(rows) || rows === 0) {
    throw new RangeError(`${probabilities.length} probabilities do not make a whole, non-empty number of rows of ${classCount}`)
  }
  const classCounts = new Array<number>(classCount).fill(0)
  const confidenceCounts = new Array<number>(CONFIDENCE_EDGES.length - 1).fill(0)
  let entropySum = 0
  for (let r = 0; r < rows; r++) {
    let best = 0
    let entropy = 0
    for (let c = 0; c < classCount; c++) {
      const p = probabilities[r * classCount + c]!
      if (p > probabilities[r * classCount + best]!) best = c
      if (p > 0) entropy -= p * Math.log(p)
    }
    classCounts[best]!++
    const bin = binIndex(CONFIDENCE_EDGES, probabilities[r * classCount + best]!) - 1
    confidenceCounts[Math.min(Math.max(bin, 0), confidenceCounts.length - 1)]!++
    entropySum += entropy
  }
  return {
    classDistribution: classCounts.map((c) => c / rows),
    confidenceEdges: [...CONFIDENCE_EDGES],
    confidenceProportions: confidenceCounts.map((c) => c / rows),
    meanEntropy: entropySum / rows,
  }
}
