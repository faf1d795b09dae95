import type { FeatureReference, FeatureSummary } from '@edgefleet/protocol'

/**
 * Counts (or proportions) of values `< edges[i]` and `<= edges[i]` for each of the K+1 edges, from
 * per-bin counts (K+2: underflow, K bins with bin i = [edges[i-1], edges[i]) and the last closed,
 * overflow) and the mass sitting exactly on each edge. Exact: this is what an empirical CDF gives at
 * the edges, ties included.
 */
export function edgeCounts(bins: ArrayLike<number>, ties: ArrayLike<number>): { lt: Float64Array; le: Float64Array } {
  const k = bins.length - 2
  const lt = new Float64Array(k + 1)
  const le = new Float64Array(k + 1)
  let below = 0
  for (let i = 0; i <= k; i++) {
    below += bins[i]!
    // bins 0..i hold every value < edges[i] (i < K); bin K also holds the values equal to edges[K]
    lt[i] = i === k ? below - (ties[k] ?? 0) : below
    le[i] = lt[i]! + (ties[i] ?? 0)
  }
  return { lt, le }
}

/** Dense tie counts (K+1) of a summary's sparse `[edge, count]` pairs. */
export function denseTies(summary: Pick<FeatureSummary, 'ties' | 'bins'>): Float64Array {
  const out = new Float64Array(summary.bins.length - 1)
  for (const [i, c] of summary.ties) if (i < out.length) out[i]! += c
  return out
}

/** The reference's CDF at its edges (`lt`, `le`, as proportions of present values). */
export function referenceEdgeCdf(ref: Pick<FeatureReference, 'proportions' | 'edgeMass'>): { lt: Float64Array; le: Float64Array } {
  return edgeCounts(ref.proportions, ref.edgeMass ?? [])
}
