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
}

export function prepareFeature(ref: FeatureReference): PreparedFeature {
  return { name: ref.name, edges: ref.edges, histogram: referenceHistogram(ref), cdf: referenceEdgeCdf(ref), std: ref.std }
}

/** Every drift statistic of one feature in one window against its reference. */
export interface FeatureStatistics {
  name: string
  /** present values in the window */
  count: number
  missingRate: number
  psi: number
  jensenShannon: number
  /** KS statistic at the edges (exact up to binning) */
  ks: number
  /** asymptotic two-sample p-value of `ks` (window count vs reference sample count) */
  ksPValue: number
  /** approximate 1-Wasserstein distance in reference standard deviations */
  wasserstein: number
  mean: number | null
}

export function featureStatistics(f: FeatureSummary, ref: PreparedFeature, referenceCount: number): FeatureStatistics {
  const total = f.count + f.missing
  const hist = windowHistogram(f)
  let ks = 0
  let wasserstein = 0
  if (f.count > 0) {
    const { lt, le } = edgeCounts(f.bins, denseTies(f))
    for (let i = 0; i < lt.length; i++) {
      lt[i]! /= f.count
      le[i]! /= f.count
    }
    ks = ksFromCdfs({ lt, le }, ref.cdf)
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
    ks,
    ksPValue: f.count > 0 ? ksPValue(ks, f.count, referenceCount) : 1,
    wasserstein,
    mean: f.count > 0 ? f.mean : null,
  }
}
