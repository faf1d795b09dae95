/**
 * Two-sample drift statistics on binned data. Every function takes proportions (or CDFs) over the
 * same bins for the window (`p`) and the reference (`q`) — see docs/DRIFT.md for definitions.
 */

/** Floor for proportions inside logarithms (PSI): an empty bin counts as 1e-4. */
export const PSI_EPSILON = 1e-4

/** Population stability index Σ (p−q)·ln(p/q), with empty bins floored at {@link PSI_EPSILON}. */
export function psi(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < p.length; i++) {
    const a = Math.max(p[i]!, PSI_EPSILON)
    const b = Math.max(q[i]!, PSI_EPSILON)
    s += (a - b) * Math.log(a / b)
  }
  return s
}

/** Jensen–Shannon distance: √JSD with base-2 logarithms, so 0 (same) to 1 (disjoint). */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!
    const b = q[i]!
    const m = (a + b) / 2
    if (a > 0) s += a * Math.log2(a / m)
    if (b > 0) s += b * Math.log2(b / m)
  }
  return Math.sqrt(Math.max(0, s / 2))
}

/**
 * KS statistic from CDFs at the edges: the largest gap between the window's and the reference's
 * empirical CDFs over every edge, on both sides of it (`<` and `<=`), so ties and constant columns
 * count exactly. Equals the exact two-sample KS statistic evaluated at the edges only, hence
 * D_binned ≤ D_exact ≤ D_binned + max over bins of the larger interior bin mass (≈ 1/K for K quantile bins).
 */
export function ksFromCdfs(w: { lt: ArrayLike<number>; le: ArrayLike<number> }, r: { lt: ArrayLike<number>; le: ArrayLike<number> }): number {
  let d = 0
  for (let i = 0; i < w.lt.length; i++) {
    d = Math.max(d, Math.abs(w.lt[i]! - r.lt[i]!), Math.abs(w.le[i]! - r.le[i]!))
  }
  return d
}

/**
 * Approximate 1-Wasserstein distance from CDFs at the edges (trapezoids between edges), normalised by
 * the reference standard deviation (as NannyML and Evidently do), so it reads in units of reference σ.
 * The tails beyond the reference range use the window's min and max. `scale` ≤ 0 returns the raw distance.
 */
export function wassersteinFromCdfs(
  edges: ArrayLike<number>,
  w: ArrayLike<number>,
  r: ArrayLike<number>,
  tails: { below: number; above: number; min: number | null; max: number | null },
  scale: number,
): number {
  let area = 0
  for (let i = 0; i + 1 < edges.length; i++) {
    const width = edges[i + 1]! - edges[i]!
    area += (width * (Math.abs(w[i]! - r[i]!) + Math.abs(w[i + 1]! - r[i + 1]!))) / 2
  }
  // below the first edge the reference CDF is 0 and the window's rises to `below`; above the last, symmetric
  if (tails.min !== null && tails.min < edges[0]!) area += ((edges[0]! - tails.min) * tails.below) / 2
  const last = edges[edges.length - 1]!
  if (tails.max !== null && tails.max > last) area += ((tails.max - last) * tails.above) / 2
  return scale > 0 ? area / scale : area
}

/** Pearson χ² statistic of observed counts against expected proportions (cells with q = 0 get ½ of the smallest count). */
export function chi2Statistic(counts: ArrayLike<number>, q: ArrayLike<number>, referenceCount: number): number {
  let n = 0
  for (let i = 0; i < counts.length; i++) n += counts[i]!
  if (n === 0) return 0
  // additive smoothing: a class never predicted on the reference gets half a reference count
  const total = referenceCount + 0.5 * counts.length
  let s = 0
  for (let i = 0; i < counts.length; i++) {
    const e = (n * (q[i]! * referenceCount + 0.5)) / total
    s += (counts[i]! - e) ** 2 / e
  }
  return s
}

/** Mean of a histogram over `edges` by bin midpoints. */
export function histogramMean(counts: ArrayLike<number>, edges: ArrayLike<number>): number {
  let n = 0
  let s = 0
  for (let i = 0; i < counts.length; i++) {
    n += counts[i]!
    s += counts[i]! * ((edges[i]! + edges[i + 1]!) / 2)
  }
  return n === 0 ? 0 : s / n
}
