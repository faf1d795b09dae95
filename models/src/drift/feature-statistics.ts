import type { FeatureReference, FeatureSummary } from '@edgefleet/protocol'
import { denseTies, edgeCounts, referenceEdgeCdf } from './edge-counts.ts'
import { referenceHistogram, windowHistogram } from './feature-histogram.ts'
import { ksPValue } from './special-functions.ts'
import { jensenShannon, psi, ksFromCdfs, wassersteinFromCdfs } from './statistics.ts'

/** A feature's reference, precomputed once for many windows. */
export interface PreparedFeature {
  name: string
  edges: readonly number[]
  /** K+3 proportions: missing, underflow, K bins, overflow */
  histogram: Float64Array
  /** CDF at the edges over present values */
  cdf: { lt: Float64Array; le: Float64Array }
  std: number
  /** largest reference mass strictly inside one bin (ties on edges excluded): the KS binning error scale */
  maxInterior: number
}

export function prepareFeature(ref: FeatureReference): PreparedFeature {
  return { name: ref.name, edges: ref.edges, histogram: referenceHistogram(ref), cdf: referenceEdgeCdf(ref), std: ref.std, maxInterior: maxInteriorMass(ref) }
}

/** Largest share of reference values strictly between two consecutive edges. */
function maxInteriorMass(ref: FeatureReference): number {
  const k = ref.edges.length - 1
  const ties = ref.edgeMass ?? []
  let max = 0
  for (let j = 1; j <= k; j++) {
    const interior = ref.proportions[j]! - (ties[j - 1] ?? 0) - (j === k ? (ties[k] ?? 0) : 0)
    if (interior > max) max = interior
  }
  return max
}

/** Every drift statistic of one feature in one window against its reference. */
export interface FeatureStatistics {
  name: string
  /** present values in the window */
  count: number
  missingRate: number
  psi: number
  jensenShannon: number
  /**
   * Two-sample KS statistic estimated from the binned CDFs: the largest gap at the edges (a lower
   * bound, D_edges ≤ D_exact ≤ D_edges + the larger interior bin mass) plus half the reference's largest
   * interior bin mass, the midpoint of that interval when the window is spread like the reference
   */
  ks: number
  /** the lower bound: largest gap between the CDFs at the edges, both sides of each edge */
  ksEdges: number
  /** asymptotic two-sample p-value of `ks` (present values in the window vs reference sample count) */
  ksPValue: number
  /** approximate 1-Wasserstein distance in reference standard deviations */
  wasserstein: number
  mean: number | null
}

export function featureStatistics(f: FeatureSummary, ref: PreparedFeature, referenceCount: number): FeatureStatistics {
  const total = f.count + f.missing
  const hist = windowHistogram(f)
  let ksEdges = 0
  let wasserstein = 0
  if (f.count > 0) {
    const { lt, le } = edgeCounts(f.bins, denseTies(f))
    for (let i = 0; i < lt.length; i++) {
      lt[i]! /= f.count
      le[i]! /= f.count
    }
    ksEdges = ksFromCdfs({ lt, le }, ref.cdf)
    const k = f.bins.length - 2
    wasserstein = wassersteinFromCdfs(
      ref.edges, le, ref.cdf.le,
      { below: f.bins[0]! / f.count, above: f.bins[k + 1]! / f.count, min: f.min, max: f.max },
      ref.std,
    )
  }
  return {
    name: f.name,
    count: f.count,
    missingRate: total === 0 ? 0 : f.missing / total,
    psi: psi(hist, ref.histogram),
    jensenShannon: jensenShannon(hist, ref.histogram),
    ks: f.count > 0 ? Math.min(1, ksEdges + ref.maxInterior / 2) : 0,
    ksEdges,
    ksPValue: f.count > 0 ? ksPValue(Math.min(1, ksEdges + ref.maxInterior / 2), f.count, referenceCount) : 1,
    wasserstein,
    mean: f.count > 0 ? f.mean : null,
  }
}
