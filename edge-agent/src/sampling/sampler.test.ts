import { describe, expect, it } from 'vitest'
import { Sampler, type SamplerOptions } from './sampler.ts'

const T0 = 1_700_000_000_000
const OFF: SamplerOptions = { confidenceBelow: 0, driftRate: 0, rate: 0, maxPerMinute: 1_000_000, seed: 1 }
const sampler = (o: Partial<SamplerOptions>): Sampler => new Sampler({ ...OFF, ...o }, T0)

describe('Sampler', () => {
  it('keeps every prediction below the confidence threshold, and none at or above it', () => {
    const s = sampler({ confidenceBelow: 0.6 })
    const decisions = [0.1, 0.59, 0.6, 0.95, 0.3].map((c) => s.decide(c, false, T0))
    expect(decisions).toEqual(['low-confidence', 'low-confidence', undefined, undefined, 'low-confidence'])
    expect(s.counts).toMatchObject({ considered: 5, kept: { 'low-confidence': 3, drift: 0, random: 0 } })
  })

  it('does not apply the confidence rule to predictions without a confidence (regressors)', () => {
    expect(sampler({ confidenceBelow: 1 }).decide(undefined, false, T0)).toBeUndefined()
  })

  it('applies the drift rate only while drifting, and the random rate otherwise', () => {
    const s = sampler({ driftRate: 1, rate: 0 })
    expect(s.decide(0.99, true, T0)).toBe('drift')
    expect(s.decide(0.99, false, T0)).toBeUndefined()
    const r = sampler({ driftRate: 0, rate: 1 })
    expect(r.decide(0.99, false, T0)).toBe('random')
    // while drifting the drift rate replaces the random one
    expect(r.decide(0.99, true, T0)).toBeUndefined()
    // a low confidence wins over both
    expect(sampler({ confidenceBelow: 0.6, driftRate: 1 }).decide(0.2, true, T0)).toBe('low-confidence')
  })

  it('keeps about `rate` of the predictions, the same ones for the same seed', () => {
    const run = (seed: number): (string | undefined)[] => {
      const s = sampler({ rate: 0.01, driftRate: 0.2, seed })
      return Array.from({ length: 100_000 }, (_, i) => s.decide(0.99, i % 2 === 1, T0))
    }
    const a = run(42)
    const random = a.filter((r) => r === 'random').length
    const drift = a.filter((r) => r === 'drift').length
    // 50 000 trials each: the binomial standard deviations are about 22 and 89
    expect(random).toBeGreaterThan(500 * 0.85)
    expect(random).toBeLessThan(500 * 1.15)
    expect(drift).toBeGreaterThan(10_000 * 0.96)
    expect(drift).toBeLessThan(10_000 * 1.04)
    expect(run(42)).toEqual(a)
    expect(run(43)).not.toEqual(a)
  })

  it('spends a token per kept candidate, refills maxPerMinute per minute, and counts drops per reason', () => {
    const s = sampler({ confidenceBelow: 0.6, driftRate: 1, maxPerMinute: 60 })
    // the bucket starts full: a minute's budget at once, then nothing
    const burst = Array.from({ length: 100 }, (_, i) => s.decide(i < 80 ? 0.1 : 0.9, i >= 80, T0))
    expect(burst.filter(Boolean)).toHaveLength(60)
    expect(s.counts.kept).toEqual({ 'low-confidence': 60, drift: 0, random: 0 })
    expect(s.counts.dropped).toEqual({ 'low-confidence': 20, drift: 20, random: 0 })
    // one token per second comes back
    expect(s.decide(0.1, false, T0 + 500)).toBeUndefined()
    expect(s.decide(0.1, false, T0 + 1000)).toBe('low-confidence')
    expect(s.decide(0.1, false, T0 + 1500)).toBeUndefined()
    // never more than a minute's worth, however long the pause
    const later = Array.from({ length: 100 }, () => s.decide(0.1, false, T0 + 3_600_000))
    expect(later.filter(Boolean)).toHaveLength(60)
    expect(s.counts.considered).toBe(203)
  })

  it('is disabled when every rate and the threshold are 0, and then keeps nothing', () => {
    expect(Sampler.disabled({ confidenceBelow: 0, driftRate: 0, rate: 0 })).toBe(true)
    expect(Sampler.disabled({ confidenceBelow: 0, driftRate: 0, rate: 0.01 })).toBe(false)
    const s = sampler({})
    const kept = Array.from({ length: 1000 }, (_, i) => s.decide(i / 1000, i % 2 === 0, T0)).filter(Boolean)
    expect(kept).toEqual([])
    expect(s.counts.dropped).toEqual({ 'low-confidence': 0, drift: 0, random: 0 })
  })
})
