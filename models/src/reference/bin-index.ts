/**
 * Which bin of a reference histogram `x` falls in, by binary search over `edges` (K+1 strictly
 * increasing edges): 0 = below `edges[0]` (underflow), 1..K = bin i where `edges[i-1] <= x < edges[i]`
 * (the last bin is closed: `x === edges[K]` is bin K), K+1 = above the last edge (overflow).
 * NaN returns -1: it belongs to no bin and counts as missing.
 */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  const k = edges.length - 1
  if (k < 1) throw new RangeError(`a histogram needs at least 2 edges, got ${edges.length}`)
  if (Number.isNaN(x)) return -1
  if (x < edges[0]!) return 0
  const last = edges[k]!
  if (x > last) return k + 1
  if (x === last) return k
  // largest i in 0..k-1 with edges[i] <= x
  let lo = 0
  let hi = k - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (edges[mid]! <= x) lo = mid
    else hi = mid - 1
  }
  return lo + 1
}
