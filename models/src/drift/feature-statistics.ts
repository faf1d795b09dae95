import type { FeatureReference, FeatureSummary } from '@edgefleet/protocol'
import { referenceEdgeCdf } from './edge-counts.ts'
import { referenceHistogram, windowHistogram } from './feature-histogram.ts'
import { ksPValue } from './special-functions.ts'
import type { FeatureMetric } from './policy.ts'
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

/** Scratch buffers for {@link windowEdgeCdf}, reused: judging allocates nothing per feature. */
let scratch = { ties: new Float64Array(0), lt: new Float64Array(0), le: new Float64Array(0) }

/** The window's CDF at the edges (`<` and `<=`), as proportions of its present values, in reused buffers. */
function windowEdgeCdf(f: FeatureSummary): { lt: Float64Array; le: Float64Array } {
  const k1 = f.bins.length - 1
  if (scratch.lt.length !== k1) scratch = { ties: new Float64Array(k1), lt: new Float64Array(k1), le: new Float64Array(k1) }
  const { ties, lt, le } = scratch
  ties.fill(0)
  for (const [i, c] of f.ties) if (i < k1) ties[i]! += c
  let below = 0
  for (let i = 0; i < k1; i++) {
    below += f.bins[i]!
    const l = i === k1 - 1 ? below - ties[i]! : below
    lt[i] = l / f.count
    le[i] = (l + ties[i]!) / f.count
  }
  return { lt, le }
}

/**
 * Every statistic of one feature in a window, or with `only`, just the one a verdict needs (the others
 * are NaN): an agent judging its own windows computes only its policy's metric, a few times cheaper.
 */
export function featureStatistics(f: FeatureSummary, ref: PreparedFeature, referenceCount: number, only?: FeatureMetric): FeatureStatistics {
  const total = f.count + f.missing
  const want = (m: FeatureMetric): boolean => only === undefined || only === m
  // a feature with no present value is judged by PSI over the missing category, whatever the metric
  const needHistogram = want('psi') || want('jensen-shannon') || f.count === 0
  const hist = needHistogram ? windowHistogram(f) : null
  let ksEdges = Number.NaN
  let wasserstein = Number.NaN
  if (f.count > 0 && (want('ks') || want('wasserstein'))) {
    const { lt, le } = windowEdgeCdf(f)
    if (want('ks')) ksEdges = ksFromCdfs({ lt, le }, ref.cdf)
    if (want('wasserstein')) {
      const k = f.bins.length - 2
      wasserstein = wassersteinFromCdfs(
        ref.edges, le, ref.cdf.le,
        { below: f.bins[0]! / f.count, above: f.bins[k + 1]! / f.count, min: f.min, max: f.max },
        ref.std,
      )
    }
  } else if (f.count === 0) {
    ksEdges = 0
    wasserstein = 0
  }
  const ks = f.count > 0 ? Math.min(1, ksEdges + ref.maxInterior / 2) : 0
  return {
    name: f.name,
    count: f.count,
    missingRate: total === 0 ? 0 : f.missing / total,
    psi: hist && (want('psi') || f.count === 0) ? psi(hist, ref.histogram) : Number.NaN,
    jensenShannon: hist && want('jensen-shannon') ? jensenShannon(hist, ref.histogram) : Number.NaN,
    ks,
    ksEdges,
    ksPValue: f.count > 0 && want('ks') ? ksPValue(ks, f.count, referenceCount) : f.count > 0 ? Number.NaN : 1,
    wasserstein,
    mean: f.count > 0 ? f.mean : null,
  }
}
