import type { FeatureReference, FeatureSummary } from '@edgefleet/protocol'

/**
 * The histogram PSI and Jensen–Shannon compare: K+3 categories — missing, underflow, the K bins,
 * overflow — as proportions of all values (present and missing). Including "missing" lets a sensor
 * that dies (all NaN) show as drift instead of as an empty window.
 */
export function windowHistogram(f: Pick<FeatureSummary, 'count' | 'missing' | 'bins'>): Float64Array {
  const total = f.count + f.missing
  const out = new Float64Array(f.bins.length + 1)
  if (total === 0) return out
  out[0] = f.missing / total
  for (let i = 0; i < f.bins.length; i++) out[i + 1] = f.bins[i]! / total
  return out
}

/** The reference's histogram over the same K+3 categories. */
export function referenceHistogram(ref: Pick<FeatureReference, 'proportions' | 'missingRate'>): Float64Array {
  const out = new Float64Array(ref.proportions.length + 1)
  out[0] = ref.missingRate
  for (let i = 0; i < ref.proportions.length; i++) out[i + 1] = ref.proportions[i]! * (1 - ref.missingRate)
  return out
}
