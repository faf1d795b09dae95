import { describe, expect, it } from 'vitest'
import { LatencyHistogram } from './histogram.ts'

describe('LatencyHistogram', () => {
  it('gives percentiles within 1 % of the exact ones', () => {
    const h = new LatencyHistogram()
    const values = Array.from({ length: 10_000 }, (_, i) => 0.05 + i * 0.01)
    for (const v of values) h.record(v)
    const exact = (p: number): number => values[Math.ceil(p * values.length) - 1]!
    for (const p of [0.5, 0.9, 0.99, 0.999]) {
      expect(h.percentile(p)).toBeGreaterThanOrEqual(exact(p))
      expect(h.percentile(p)).toBeLessThanOrEqual(exact(p) * 1.01)
    }
    expect(h.percentile(1)).toBe(h.maxMs)
    expect(h.maxMs).toBe(values.at(-1))
    expect(h.count).toBe(values.length)
  })

  it('merges histograms of several processes into the same figures as one', () => {
    const whole = new LatencyHistogram()
    const parts = [new LatencyHistogram(), new LatencyHistogram()]
    for (let i = 0; i < 1000; i++) {
      const v = (i % 97) * 0.3 + 0.0005
      whole.record(v)
      parts[i % 2]!.record(v)
    }
    const merged = LatencyHistogram.from(parts.map((p) => JSON.parse(JSON.stringify(p)) as ReturnType<LatencyHistogram['toJSON']>))
    for (const p of [0.5, 0.99]) expect(merged.percentile(p)).toBe(whole.percentile(p))
    expect(merged.count).toBe(whole.count)
    expect(merged.maxMs).toBe(whole.maxMs)
    expect(merged.sumMs).toBeCloseTo(whole.sumMs, 6)
  })

  it('has no percentiles when empty', () => {
    expect(new LatencyHistogram().percentile(0.5)).toBeNaN()
  })
})
