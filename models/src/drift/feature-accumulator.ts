import type { FeatureSummary } from '@edgefleet/protocol'
import { binIndex } from '../reference/bin-index.ts'

/**
 * Builds the drift summary of one numeric feature over a window in constant memory: counts per
 * reference bin (K+2 with underflow and overflow), ties on the edges, count, missing, min, max and
 * Welford's running mean and M2. Adding a value costs one binary search over the edges.
 */
export class FeatureAccumulator {
  private readonly edges: Float64Array
  private readonly bins: Uint32Array
  private readonly ties: Uint32Array
  private count = 0
  private missing = 0
  private mean = 0
  private m2 = 0
  private min = Infinity
  private max = -Infinity

  constructor(readonly name: string, edges: readonly number[]) {
    if (edges.length < 2) throw new RangeError(`feature ${name}: a reference needs at least 2 edges, got ${edges.length}`)
    this.edges = Float64Array.from(edges)
    this.bins = new Uint32Array(edges.length + 1)
    this.ties = new Uint32Array(edges.length)
  }

  /** Adds one value; NaN and ±Infinity count as missing (as in the reference statistics). */
  add(x: number): void {
    if (!Number.isFinite(x)) {
      this.missing++
      return
    }
    const edges = this.edges
    const b = binIndex(edges, x)
    const k = edges.length - 1
    // a value equal to an edge opens that edge's bin, except the closing edge, which closes bin K
    if (b >= 1 && b <= k) {
      if (x === edges[b - 1]) this.ties[b - 1]!++
      else if (b === k && x === edges[k]) this.ties[k]!++
    }
    this.bins[b]!++
    const n = ++this.count
    const delta = x - this.mean
    this.mean += delta / n
    this.m2 += delta * (x - this.mean)
    if (x < this.min) this.min = x
    if (x > this.max) this.max = x
  }

  /** Values added since the last reset (present and missing). */
  get total(): number {
    return this.count + this.missing
  }

  summary(): FeatureSummary {
    const ties: [number, number][] = []
    for (let i = 0; i < this.ties.length; i++) if (this.ties[i]! > 0) ties.push([i, this.ties[i]!])
    return {
      name: this.name,
      count: this.count,
      missing: this.missing,
      mean: this.mean,
      m2: this.m2,
      min: this.count === 0 ? null : this.min,
      max: this.count === 0 ? null : this.max,
      bins: Array.from(this.bins),
      ties,
    }
  }

  reset(): void {
    this.bins.fill(0)
    this.ties.fill(0)
    this.count = 0
    this.missing = 0
    this.mean = 0
    this.m2 = 0
    this.min = Infinity
    this.max = -Infinity
  }
}
