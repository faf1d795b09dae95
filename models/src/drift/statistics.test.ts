import { describe, expect, it } from 'vitest'
import { featureReference } from '../reference/feature-reference.ts'
import { FeatureAccumulator } from './feature-accumulator.ts'
import { featureStatistics, prepareFeature } from './feature-statistics.ts'
import { chi2PValue, kolmogorovQ, ksPValue } from './special-functions.ts'
import { jensenShannon, psi } from './statistics.ts'
import { exactKs, normals } from './test-data.ts'

describe('distribution tails', () => {
  it('match published critical values', () => {
    // Kolmogorov: P(K > 1.358) = 0.05, P(K > 1.628) = 0.01
    expect(kolmogorovQ(1.3581)).toBeCloseTo(0.05, 4)
    expect(kolmogorovQ(1.6276)).toBeCloseTo(0.01, 4)
    // χ² upper tails: 3.841 (df 1), 18.307 (df 10), 6.635 (df 1) → 0.05, 0.05, 0.01
    expect(chi2PValue(3.8415, 1)).toBeCloseTo(0.05, 4)
    expect(chi2PValue(18.307, 10)).toBeCloseTo(0.05, 4)
    expect(chi2PValue(6.6349, 1)).toBeCloseTo(0.01, 4)
    expect(chi2PValue(0, 5)).toBe(1)
  })
})

describe('psi and Jensen–Shannon', () => {
  it('are zero for identical histograms and grow with the difference', () => {
    const q = [0.25, 0.25, 0.25, 0.25]
    expect(psi(q, q)).toBe(0)
    expect(jensenShannon(q, q)).toBe(0)
    const near = [0.3, 0.2, 0.25, 0.25]
    const far = [0.7, 0.1, 0.1, 0.1]
    expect(psi(near, q)).toBeGreaterThan(0)
    expect(psi(far, q)).toBeGreaterThan(psi(near, q))
    expect(jensenShannon(far, q)).toBeGreaterThan(jensenShannon(near, q))
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12)
  })
})

describe('KS from binned CDFs', () => {
  const reference = normals(4000, 11)
  const ref = featureReference('x', reference)
  const prepared = prepareFeature(ref)
  const k = ref.edges.length - 1

  it('is the exact two-sample KS up to the documented bound, on clean and shifted windows', () => {
    let worst = 0
    for (const [seed, shift] of [[1, 0], [2, 0], [3, 0.3], [4, 1], [5, -0.5]] as const) {
      const window = normals(500, 100 + seed, shift)
      const acc = new FeatureAccumulator('x', ref.edges)
      for (const v of window) acc.add(v)
      const s = acc.summary()
      const stats = featureStatistics(s, prepared, reference.length)
      const exact = exactKs(window, reference)
      expect(stats.ksEdges).toBeLessThanOrEqual(exact + 1e-12)
      // D_exact − D_edges ≤ largest interior bin mass, window's or reference's
      const maxMass = Math.max(...ref.proportions.slice(1, -1), ...s.bins.slice(1, -1).map((c) => c / s.count))
      expect(exact - stats.ksEdges).toBeLessThanOrEqual(maxMass + 1e-12)
      // the estimate adds half the reference's largest bin mass: the midpoint of that interval
      expect(Math.abs(exact - stats.ks)).toBeLessThanOrEqual(maxMass / 2 + 1e-12)
      worst = Math.max(worst, Math.abs(exact - stats.ks))
    }
    expect(worst).toBeLessThanOrEqual(1 / k)
  })

  it('is exact for discrete data with ties, where comparing one side of each edge would miss the shift', () => {
    const refValues = [...new Array(400).fill(0), ...new Array(300).fill(1), ...new Array(300).fill(2)]
    const r = featureReference('d', refValues)
    const window = [...new Array(55).fill(0), ...new Array(20).fill(1), ...new Array(25).fill(2)]
    const acc = new FeatureAccumulator('d', r.edges)
    for (const v of window) acc.add(v)
    const stats = featureStatistics(acc.summary(), prepareFeature(r), refValues.length)
    // every value sits on an edge: nothing is inside a bin, so the estimate is exact
    expect(stats.ks).toBeCloseTo(exactKs(window, refValues), 12)
    expect(stats.ksEdges).toBeCloseTo(stats.ks, 12)
    expect(stats.ks).toBeCloseTo(0.15, 12)
    expect(stats.ksPValue).toBeCloseTo(ksPValue(0.15, 100, 1000), 12)
  })

  it('flags a dead sensor (every value missing) through the missing category', () => {
    const acc = new FeatureAccumulator('x', ref.edges)
    for (let i = 0; i < 100; i++) acc.add(Number.NaN)
    const stats = featureStatistics(acc.summary(), prepared, reference.length)
    expect(stats.missingRate).toBe(1)
    expect(stats.psi).toBeGreaterThan(5)
    expect(stats.jensenShannon).toBeCloseTo(1, 6)
  })
})
