import { mulberry32, type ReferenceStatistics } from '@edgefleet/protocol'
import { CONFIDENCE_EDGES } from '../reference/output-reference.ts'
import { AliasSampler } from './alias-sampler.ts'
import { prepareFeature, type PreparedFeature } from './feature-statistics.ts'
import type { DriftPolicy } from './policy.ts'
import { chi2Statistic, histogramMean, jensenShannon, psi, wassersteinFromCdfs } from './statistics.ts'

/**
 * Thresholds of one feature's statistics at one window size. `ks` is the two-sample KS critical
 * value at level 1 − quantile for the window's present values and the reference's size (the KS null
 * distribution is known, so it is not resampled); the others come from resampling.
 */
export interface FeatureThresholds {
  psi: number
  jensenShannon: number
  ks: number
  wasserstein: number
}

/** The resampled thresholds; `ks` is added per window by `evaluateWindow`. */
export type ResampledThresholds = Omit<FeatureThresholds, 'ks'>

/** Feature statistics whose thresholds come from resampling. */
export const RESAMPLED_METRICS = ['psi', 'jensen-shannon', 'wasserstein'] as const
export type ResampledMetric = (typeof RESAMPLED_METRICS)[number]

/** Every threshold for windows of about `count` samples. */
export interface WindowThresholds {
  /** the window size asked for, and the effective size the thresholds were resampled at */
  count: number
  effectiveCount: number
  features: ResampledThresholds[]
  /** χ² of predicted-class counts, for this `count` */
  predictionChi2?: number
  /** drop of mean top-1 confidence below the reference's */
  confidenceDrop?: number
}

/** Above this effective size, thresholds are resampled here and scaled (1/n for PSI and χ², 1/√n for the rest). */
const MAX_RESAMPLE_SIZE = 4096
/** Effective sizes are rounded down to this geometric ladder (×1.25), so thresholds are cached and conservative. */
const LADDER_BASE = 8
const LADDER_STEP = 1.25

/**
 * The no-drift band of every statistic at a window's size, NannyML-style: draw `resamples` windows
 * from the reference distribution, compute each statistic against the reference, and take the
 * policy's quantile. Two samples are compared (window of n, reference of N), so windows are drawn
 * at the effective size nN/(n+N), which gives the statistic the variance it has between two
 * samples. Deterministic for a seed, so an agent and the hub derive the same thresholds.
 */
export class ThresholdCalibrator {
  private readonly cache = new Map<number, Omit<WindowThresholds, 'count' | 'predictionChi2'> & { chi2AtSize?: number }>()
  private readonly features: { prepared: PreparedFeature; layout: TieLayout; sampler: AliasSampler }[]
  private readonly referenceCount: number
  private readonly pending = new Map<number, Promise<void>>()

  /**
   * `metrics`: the resampled feature statistics to calibrate (default all three); the others get NaN
   * thresholds. An agent judging by KS needs none, so its calibration is only the outputs'.
   */
  constructor(
    private readonly reference: ReferenceStatistics,
    private readonly policy: Pick<DriftPolicy, 'quantile' | 'resamples' | 'seed'>,
    private readonly metrics: readonly ResampledMetric[] = RESAMPLED_METRICS,
  ) {
    this.referenceCount = Math.max(1, reference.sampleCount)
    this.features = reference.features.map((f) => {
      const layout = tieLayout(f, this.referenceCount)
      return { prepared: prepareFeature(f), layout, sampler: new AliasSampler(layout.weights) }
    })
  }

  /** The thresholds for a window of `count` samples (count ≥ 1); calibrates synchronously when not cached. */
  at(count: number): WindowThresholds {
    const rung = this.rungOf(count)
    let cached = this.cache.get(rung)
    if (!cached) {
      cached = this.calibrate(rung)
      this.cache.set(rung, cached)
    }
    const out: WindowThresholds = { count, effectiveCount: cached.effectiveCount, features: cached.features }
    if (cached.chi2AtSize !== undefined) out.predictionChi2 = (cached.chi2AtSize * count) / cached.effectiveCount
    if (cached.confidenceDrop !== undefined) out.confidenceDrop = cached.confidenceDrop
    return out
  }

  /**
   * Calibrates the thresholds for `count` ahead of use, one feature at a time with a macrotask between
   * features, so a server or an agent stays responsive (128 features take ~0.1–1 s in all).
   */
  async prepare(count: number): Promise<void> {
    const rung = this.rungOf(count)
    if (this.cache.has(rung)) return
    let pending = this.pending.get(rung)
    if (!pending) {
      pending = (async () => {
        const features: ResampledThresholds[] = []
        for (let i = 0; i < this.features.length; i++) {
          features.push(this.featureThresholds(i, rung))
          await new Promise((resolve) => setTimeout(resolve, 0))
        }
        this.cache.set(rung, this.calibrate(rung, features))
      })().finally(() => this.pending.delete(rung))
      this.pending.set(rung, pending)
    }
    await pending
  }

  private rungOf(count: number): number {
    if (!(count >= 1) || !Number.isFinite(count)) throw new RangeError(`window size must be a finite number >= 1, got ${count}`)
    return ladderRung((count * this.referenceCount) / (count + this.referenceCount))
  }

  private featureThresholds(i: number, effectiveCount: number): ResampledThresholds {
    const size = Math.min(effectiveCount, MAX_RESAMPLE_SIZE)
    const shrink = size / effectiveCount
    const root = Math.sqrt(shrink)
    const t = this.resampleFeature(this.features[i]!, size, this.rng(i, effectiveCount))
    return { psi: t.psi * shrink, jensenShannon: t.jensenShannon * root, wasserstein: t.wasserstein * root }
  }

  private calibrate(effectiveCount: number, done?: ResampledThresholds[]): Omit<WindowThresholds, 'count' | 'predictionChi2'> & { chi2AtSize?: number } {
    const size = Math.min(effectiveCount, MAX_RESAMPLE_SIZE)
    const root = Math.sqrt(size / effectiveCount)
    const features = done ?? this.features.map((_, i) => this.featureThresholds(i, effectiveCount))
    const out: Omit<WindowThresholds, 'count' | 'predictionChi2'> & { chi2AtSize?: number } = { effectiveCount, features }
    const outputs = this.reference.outputs
    if (outputs.classDistribution && outputs.classDistribution.length > 1) {
      // Pearson χ² against fixed proportions has the same law at any size, so no scaling here;
      // `at(n)` scales it by n/effective size for the reference's own sampling noise
      out.chi2AtSize = this.resampleClasses(outputs.classDistribution, size, this.rng(-1, effectiveCount))
    }
    if (outputs.confidenceProportions && outputs.confidenceProportions.length === CONFIDENCE_EDGES.length - 1) {
      out.confidenceDrop = this.resampleConfidence(outputs.confidenceProportions, size, this.rng(-2, effectiveCount)) * root
    }
    return out
  }

  private rng(stream: number, size: number): () => number {
    // one independent, order-free stream per (statistic, size)
    return mulberry32((Math.imul(this.policy.seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 3, 0xc2b2ae35) ^ Math.imul(size, 0x27d4eb2f)) >>> 0)
  }

  private resampleFeature(f: (typeof this.features)[number], size: number, next: () => number): ResampledThresholds {
    const wantPsi = this.metrics.includes('psi')
    const wantJs = this.metrics.includes('jensen-shannon')
    const wantW = this.metrics.includes('wasserstein')
    if (!wantPsi && !wantJs && !wantW) return { psi: Number.NaN, jensenShannon: Number.NaN, wasserstein: Number.NaN }
    const r = this.policy.resamples
    const stats = { psi: new Float64Array(r), jensenShannon: new Float64Array(r), wasserstein: new Float64Array(r) }
    const counts = new Float64Array(f.layout.weights.length)
    const k = f.prepared.edges.length - 1
    const hist = new Float64Array(k + 3)
    const bins = new Float64Array(k + 2)
    const ties = new Float64Array(k + 1)
    const le = new Float64Array(k + 1)
    for (let s = 0; s < r; s++) {
      counts.fill(0)
      f.sampler.drawInto(counts, size, next)
      f.layout.fold(counts, bins, ties)
      hist[0] = counts[0]! / size
      for (let i = 0; i < bins.length; i++) hist[i + 1] = bins[i]! / size
      if (wantPsi) stats.psi[s] = psi(hist, f.prepared.histogram)
      if (wantJs) stats.jensenShannon[s] = jensenShannon(hist, f.prepared.histogram)
      const present = size - counts[0]!
      if (wantW && present > 0) {
        // CDF at each edge, ties included (`edgeCounts` without its allocations: this loop runs 10⁵ times)
        let below = 0
        for (let i = 0; i <= k; i++) {
          below += bins[i]!
          le[i] = (i === k ? below : below + ties[i]!) / present
        }
        stats.wasserstein[s] = wassersteinFromCdfs(f.prepared.edges, le, f.prepared.cdf.le, { below: 0, above: 0, min: null, max: null }, f.prepared.std)
      }
    }
    const q = this.policy.quantile
    return {
      psi: wantPsi ? quantile(stats.psi, q) : Number.NaN,
      jensenShannon: wantJs ? quantile(stats.jensenShannon, q) : Number.NaN,
      wasserstein: wantW ? quantile(stats.wasserstein, q) : Number.NaN,
    }
  }

  private resampleClasses(classDistribution: readonly number[], size: number, next: () => number): number {
    const n = outputReferenceCount(this.reference)
    const sampler = new AliasSampler(classDistribution.map((q) => q * n + 0.5))
    const counts = new Float64Array(classDistribution.length)
    const values = new Float64Array(this.policy.resamples)
    for (let s = 0; s < values.length; s++) {
      counts.fill(0)
      sampler.drawInto(counts, size, next)
      values[s] = chi2Statistic(counts, classDistribution, n)
    }
    return quantile(values, this.policy.quantile)
  }

  private resampleConfidence(proportions: readonly number[], size: number, next: () => number): number {
    const sampler = new AliasSampler(proportions)
    const referenceMean = histogramMean(proportions, CONFIDENCE_EDGES)
    const counts = new Float64Array(proportions.length)
    const values = new Float64Array(this.policy.resamples)
    for (let s = 0; s < values.length; s++) {
      counts.fill(0)
      sampler.drawInto(counts, size, next)
      values[s] = referenceMean - histogramMean(counts, CONFIDENCE_EDGES)
    }
    return quantile(values, this.policy.quantile)
  }
}

/** Rows behind the output reference (its own count when it comes from another split than the features'). */
export function outputReferenceCount(reference: ReferenceStatistics): number {
  return Math.max(1, reference.outputs.sampleCount ?? reference.sampleCount)
}

/** Largest rung of the ladder 8, 10, 12, 15, … (×1.25, rounded) not above `n`; at least 1. */
export function ladderRung(n: number): number {
  if (!Number.isFinite(n)) throw new RangeError(`no ladder rung for ${n}`)
  if (n < LADDER_BASE) return Math.max(1, Math.floor(n))
  let rung = LADDER_BASE
  for (;;) {
    const next = Math.round(rung * LADDER_STEP)
    if (next > n) return rung
    rung = next
  }
}

function quantile(values: Float64Array, q: number): number {
  values.sort()
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))]!
}

/**
 * Sampling categories that keep ties apart from bin interiors (2K+4): missing, underflow, then per
 * bin j = 1..K "exactly edge j-1" and "inside bin j", then "exactly the closing edge", overflow.
 */
interface TieLayout {
  weights: Float64Array
  fold(counts: Float64Array, bins: Float64Array, ties: Float64Array): void
}

function tieLayout(f: ReferenceStatistics['features'][number], referenceCount: number): TieLayout {
  const k = f.edges.length - 1
  const present = 1 - f.missingRate
  const mass = f.edgeMass ?? []
  const tail = present / (referenceCount + 1)
  const w = new Float64Array(2 * k + 4)
  w[0] = f.missingRate
  w[1] = f.proportions[0]! > 0 ? f.proportions[0]! * present : tail
  for (let j = 1; j <= k; j++) {
    const tie = mass[j - 1] ?? 0
    const closing = j === k ? (mass[k] ?? 0) : 0
    w[2 * j] = tie * present
    w[2 * j + 1] = Math.max(0, f.proportions[j]! - tie - closing) * present
  }
  w[2 * k + 2] = (mass[k] ?? 0) * present
  w[2 * k + 3] = f.proportions[k + 1]! > 0 ? f.proportions[k + 1]! * present : tail
  return {
    weights: w,
    fold(counts, bins, ties) {
      bins[0] = counts[1]!
      for (let j = 1; j <= k; j++) {
        ties[j - 1] = counts[2 * j]!
        bins[j] = counts[2 * j]! + counts[2 * j + 1]!
      }
      ties[k] = counts[2 * k + 2]!
      bins[k]! += counts[2 * k + 2]!
      bins[k + 1] = counts[2 * k + 3]!
    },
  }
}
