import { mulberry32 } from '@edgefleet/protocol'

/** Why a reading was kept as a training candidate (the protocol's `Sample.reason`, less `requested`). */
export type SampleReason = 'low-confidence' | 'drift' | 'random'

/** The reasons, in the order the sampler tries them. */
export const SAMPLE_REASONS: readonly SampleReason[] = ['low-confidence', 'drift', 'random']

/** Options of {@link Sampler}. */
export interface SamplerOptions {
  /** keep every prediction whose top-1 confidence is below this (0 turns the rule off) */
  confidenceBelow: number
  /** while the agent's own drift state is `drifting`, keep the others with this probability */
  driftRate: number
  /** otherwise keep with this probability */
  rate: number
  /** token bucket: at most this many kept per minute on average, in bursts of up to a minute's worth */
  maxPerMinute: number
  /** seed of the PRNG behind the two probabilistic rules (default: a random one) */
  seed?: number
}

/** What the sampler decided, per reason. */
export interface SamplerCounts {
  /** predictions looked at */
  considered: number
  /** candidates kept (within the budget) */
  kept: Record<SampleReason, number>
  /** candidates dropped because the budget was spent */
  dropped: Record<SampleReason, number>
}

const MS_PER_MINUTE = 60_000

/**
 * Decides, prediction by prediction, whether to keep the reading as a training candidate, preferring
 * hard examples: a confidence below `confidenceBelow` is always a candidate (`low-confidence`); else,
 * while the model drifts, one with probability `driftRate` (`drift`); else one with probability `rate`
 * (`random`). Candidates then spend a token of the budget; without one they are dropped and counted.
 * Pure policy: time comes in as an argument, randomness from a seedable PRNG.
 */
export class Sampler {
  readonly counts: SamplerCounts = { considered: 0, kept: zeroes(), dropped: zeroes() }
  private readonly random: () => number
  private tokens: number
  private refilledAt: number

  constructor(private readonly o: Readonly<SamplerOptions>, now: number) {
    this.random = mulberry32(o.seed ?? Math.floor(Math.random() * 0x1_0000_0000))
    this.tokens = o.maxPerMinute
    this.refilledAt = now
  }

  /** True when no rule can ever keep anything (every rate and the confidence threshold are 0). */
  static disabled(o: Pick<SamplerOptions, 'confidenceBelow' | 'driftRate' | 'rate'>): boolean {
    return o.confidenceBelow <= 0 && o.driftRate <= 0 && o.rate <= 0
  }

  /**
   * The reason to keep this prediction, or undefined. `confidence` is the top-1 confidence
   * (undefined for regressors: the low-confidence rule does not apply); `drifting` is the agent's own
   * drift state; `now` is wall-clock ms.
   */
  decide(confidence: number | undefined, drifting: boolean, now: number): SampleReason | undefined {
    this.counts.considered++
    const reason = this.candidate(confidence, drifting)
    if (!reason) return undefined
    this.refill(now)
    if (this.tokens < 1) {
      this.counts.dropped[reason]++
      return undefined
    }
    this.tokens--
    this.counts.kept[reason]++
    return reason
  }

  private candidate(confidence: number | undefined, drifting: boolean): SampleReason | undefined {
    if (confidence !== undefined && confidence < this.o.confidenceBelow) return 'low-confidence'
    if (drifting) return this.o.driftRate > 0 && this.random() < this.o.driftRate ? 'drift' : undefined
    return this.o.rate > 0 && this.random() < this.o.rate ? 'random' : undefined
  }

  private refill(now: number): void {
    // a clock stepped back refills nothing rather than draining the bucket
    const elapsed = Math.max(0, now - this.refilledAt)
    this.refilledAt = Math.max(this.refilledAt, now)
    this.tokens = Math.min(this.o.maxPerMinute, this.tokens + (elapsed * this.o.maxPerMinute) / MS_PER_MINUTE)
  }
}

function zeroes(): Record<SampleReason, number> {
  return { 'low-confidence': 0, drift: 0, random: 0 }
}
