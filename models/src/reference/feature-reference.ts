import type { FeatureReference } from '@edgefleet/protocol'
import { binIndex } from './bin-index.ts'

/** Default number of quantile bins per feature. */
export const DEFAULT_BINS = 32
const MIN_BINS = 16
const MAX_BINS = 64

/**
 * The reference distribution of one numeric feature, frozen at training time for drift checks.
 *
 * Edges:
 * - more than `bins` distinct values: quantile edges `sorted[round(i·(n-1)/bins)]`, i = 0..bins (always
 *   observed values, so `edges[0]` is the minimum and the last edge the maximum), with repeated edges
 *   removed, so heavily tied data gets fewer, wider bins;
 * - at most `bins` distinct values (discrete or constant columns): one bin per distinct value, i.e. the
 *   distinct values plus one closing edge just above the maximum (`max + max(|max|, 1)·1e-9`). A
 *   constant column `v` gives edges `[v, v + max(|v|, 1)·1e-9]` and proportions `[0, 1, 0]`, so any
 *   other value at run time lands in underflow or overflow.
 *
 * `edgeMass` is the share of present values exactly equal to each edge, so the KS statistic can compare
 * `<` and `<=` at every edge exactly (ties, constant and discrete columns).
 *
 * NaN and ±Infinity count as missing: they go into `missingRate` and into no bin; proportions are over
 * the present values. A column with no present values gets edges `[0, 1e-9]`, all-zero proportions,
 * zero statistics and `missingRate` 1 (0 for an empty column).
 */
export function featureReference(name: string, values: ArrayLike<number>, bins: number = DEFAULT_BINS): FeatureReference {
  if (!Number.isInteger(bins) || bins < MIN_BINS || bins > MAX_BINS) {
    throw new RangeError(`bins must be an integer from ${MIN_BINS} to ${MAX_BINS}, got ${bins}`)
  }
  const present = presentValues(values)
  const missingRate = values.length === 0 ? 0 : (values.length - present.length) / values.length
  if (present.length === 0) {
    return { name, edges: [0, aboveValue(0)], proportions: [0, 0, 0], edgeMass: [0, 0], mean: 0, std: 0, min: 0, max: 0, missingRate }
  }
  const sorted = present.sort()
  const edges = referenceEdges(sorted, bins)
  const counts = new Array<number>(edges.length + 1).fill(0)
  for (const v of sorted) counts[binIndex(edges, v)]!++
  const ties = edgeTies(sorted, edges)
  const { mean, std } = meanStd(sorted)
  return {
    name,
    edges,
    proportions: counts.map((c) => c / sorted.length),
    edgeMass: ties.map((c) => c / sorted.length),
    mean,
    std,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    missingRate,
  }
}

/** How many of the sorted values equal each edge, by binary search (edges are observed values, or just above one). */
function edgeTies(sorted: Float64Array, edges: readonly number[]): number[] {
  return edges.map((e) => upperBound(sorted, e) - lowerBound(sorted, e))
}

function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

function presentValues(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length)
  let n = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) out[n++] = v
  }
  return out.subarray(0, n)
}

function referenceEdges(sorted: Float64Array, bins: number): number[] {
  const distinct = distinctValues(sorted, bins + 1)
  if (distinct.length <= bins) return [...distinct, aboveValue(distinct[distinct.length - 1]!)]
  const edges: number[] = []
  const n = sorted.length
  for (let i = 0; i <= bins; i++) {
    const edge = sorted[Math.round((i * (n - 1)) / bins)]!
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge)
  }
  return edges
}

/** The distinct values of sorted data, stopping once `limit` are found. */
function distinctValues(sorted: Float64Array, limit: number): number[] {
  const out: number[] = []
  for (const v of sorted) {
    if (out.length === 0 || v !== out[out.length - 1]) {
      out.push(v)
      if (out.length >= limit) break
    }
  }
  return out
}

/** A closing edge just above `v`, relative to its magnitude so it is representable. */
function aboveValue(v: number): number {
  return v + Math.max(Math.abs(v), 1) * 1e-9
}

function meanStd(values: Float64Array): { mean: number; std: number } {
  let sum = 0
  for (const v of values) sum += v
  const mean = sum / values.length
  let sq = 0
  for (const v of values) sq += (v - mean) ** 2
  return { mean, std: Math.sqrt(sq / values.length) }
}
