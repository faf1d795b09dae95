import { describe, expect, it } from 'vitest'
import { mulberry32, validators } from '@edgefleet/protocol'
import { binIndex } from '../reference/bin-index.ts'
import { featureReference } from '../reference/feature-reference.ts'
import { denseTies, edgeCounts } from './edge-counts.ts'
import { FeatureAccumulator } from './feature-accumulator.ts'
import { mergeFeatureSummaries } from './merge.ts'
import { normals } from './test-data.ts'

/** Values with ties on edges, repeated values, NaN and infinities. */
function awkwardValues(n: number, seed: number, edges: number[]): number[] {
  const next = mulberry32(seed)
  return Array.from({ length: n }, () => {
    const u = next()
    if (u < 0.05) return Number.NaN
    if (u < 0.07) return Infinity
    if (u < 0.3) return edges[Math.floor(next() * edges.length)]!
    return edges[0]! - 1 + next() * (edges[edges.length - 1]! - edges[0]! + 2)
  })
}

describe('FeatureAccumulator', () => {
  const edges = [0, 1, 2.5, 4, 10]

  it('counts bins, ties, missing, min, max, mean and M2 exactly as a direct computation does', () => {
    const values = awkwardValues(5000, 3, edges)
    const acc = new FeatureAccumulator('f', edges)
    for (const v of values) acc.add(v)
    const s = acc.summary()
    const present = values.filter(Number.isFinite)
    expect(s.count).toBe(present.length)
    expect(s.missing).toBe(values.length - present.length)
    const bins = new Array(edges.length + 1).fill(0)
    for (const v of present) bins[binIndex(edges, v)]++
    expect(s.bins).toEqual(bins)
    const mean = present.reduce((a, b) => a + b, 0) / present.length
    expect(s.mean).toBeCloseTo(mean, 10)
    expect(s.m2).toBeCloseTo(present.reduce((a, v) => a + (v - mean) ** 2, 0), 6)
    expect(s.min).toBe(Math.min(...present))
    expect(s.max).toBe(Math.max(...present))
    // the <, <= counts at every edge are what counting the raw values gives
    const { lt, le } = edgeCounts(s.bins, denseTies(s))
    expect(Array.from(lt)).toEqual(edges.map((e) => present.filter((v) => v < e).length))
    expect(Array.from(le)).toEqual(edges.map((e) => present.filter((v) => v <= e).length))
    expect(validators.drift.issues({ v: 1, deviceId: 'd', seq: 1, ts: 1, model: { name: 'm', version: '1.0.0' }, window: { start: 0, end: 1, count: values.length }, features: [s], outputs: {} })).toEqual([])
  })

  it('gets a constant column right: everything on the one edge', () => {
    const ref = featureReference('c', new Array(50).fill(7))
    const acc = new FeatureAccumulator('c', ref.edges)
    for (let i = 0; i < 20; i++) acc.add(7)
    acc.add(8)
    const s = acc.summary()
    expect(s.bins).toEqual([0, 20, 1])
    expect(s.ties).toEqual([[0, 20]])
    const { lt, le } = edgeCounts(s.bins, denseTies(s))
    expect(Array.from(lt)).toEqual([0, 20])
    expect(Array.from(le)).toEqual([20, 20])
  })

  it('merges exactly: two halves merged equal the whole', () => {
    const values = awkwardValues(3000, 9, edges).map((v) => (Number.isFinite(v) ? v * 1e6 + 1e9 : v))
    const scaled = edges.map((e) => e * 1e6 + 1e9)
    const whole = new FeatureAccumulator('f', scaled)
    const a = new FeatureAccumulator('f', scaled)
    const b = new FeatureAccumulator('f', scaled)
    values.forEach((v, i) => {
      whole.add(v)
      ;(i < 1234 ? a : b).add(v)
    })
    const merged = mergeFeatureSummaries(a.summary(), b.summary())
    const w = whole.summary()
    expect({ ...merged, mean: 0, m2: 0 }).toEqual({ ...w, mean: 0, m2: 0 })
    expect(merged.mean).toBeCloseTo(w.mean, 3)
    // large mean, modest spread: the parallel formula keeps M2 accurate where sum/sumSq would not
    expect(Math.abs(merged.m2 - w.m2) / w.m2).toBeLessThan(1e-9)
  })

  it('resets to an empty window and refuses fewer than two edges', () => {
    const acc = new FeatureAccumulator('f', [0, 1])
    for (const v of normals(10, 1)) acc.add(v)
    acc.reset()
    expect(acc.summary()).toMatchObject({ count: 0, missing: 0, min: null, max: null, bins: [0, 0, 0], ties: [] })
    expect(() => new FeatureAccumulator('f', [1])).toThrow(RangeError)
  })
})
