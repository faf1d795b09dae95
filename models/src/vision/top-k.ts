/** One entry of {@link topK}. */
export interface RankedClass {
  classIndex: number
  score: number
  /** `labels[classIndex]`, when labels were given and have one */
  label?: string
}

/**
 * The `k` highest scores, best first (ties: lower class index first; NaN scores are never ranked).
 * `k` larger than the number of classes returns them all.
 */
export function topK(probabilities: ArrayLike<number>, k: number, labels?: readonly string[]): RankedClass[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`)
  const indices: number[] = []
  for (let i = 0; i < probabilities.length; i++) if (!Number.isNaN(probabilities[i])) indices.push(i)
  indices.sort((a, b) => probabilities[b]! - probabilities[a]! || a - b)
  return indices.slice(0, k).map((classIndex) => {
    const label = labels?.[classIndex]
    return { classIndex, score: probabilities[classIndex]!, ...(label === undefined ? {} : { label }) }
  })
}
