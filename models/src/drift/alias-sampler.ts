/**
 * Walker's alias method (Vose's construction): O(1) draws from a fixed discrete distribution, which
 * is what makes resampling thousands of windows per feature cheap.
 */
export class AliasSampler {
  private readonly prob: Float64Array
  private readonly alias: Int32Array

  constructor(weights: ArrayLike<number>) {
    const n = weights.length
    let total = 0
    for (let i = 0; i < n; i++) total += Math.max(0, weights[i]!)
    if (!(total > 0)) throw new RangeError('an alias sampler needs a positive total weight')
    this.prob = new Float64Array(n)
    this.alias = new Int32Array(n)
    const scaled = Float64Array.from({ length: n }, (_, i) => (Math.max(0, weights[i]!) * n) / total)
    const small: number[] = []
    const large: number[] = []
    for (let i = 0; i < n; i++) (scaled[i]! < 1 ? small : large).push(i)
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!
      const l = large.pop()!
      this.prob[s] = scaled[s]!
      this.alias[s] = l
      scaled[l] = scaled[l]! + scaled[s]! - 1
      ;(scaled[l]! < 1 ? small : large).push(l)
    }
    for (const i of [...small, ...large]) {
      this.prob[i] = 1
      this.alias[i] = i
    }
  }

  /** Adds `n` draws into `counts` (zeroed by the caller), using `next()` uniform in [0, 1). */
  drawInto(counts: Float64Array, n: number, next: () => number): void {
    const k = this.prob.length
    for (let d = 0; d < n; d++) {
      const u = next() * k
      const i = Math.floor(u)
      counts[u - i < this.prob[i]! ? i : this.alias[i]!]!++
    }
  }
}
