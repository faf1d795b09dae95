import { describe, expect, it } from 'vitest'
import { mulberry32, validators } from '@edgefleet/protocol'
import { binIndex } from './bin-index.ts'
import { featureReference } from './feature-reference.ts'

function strictlyIncreasing(edges: number[]): boolean {
  return edges.every((e, i) => i === 0 || e > edges[i - 1]!)
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

describe('featureReference', () => {
  it('gives a constant column one bin just wide enough to hold the value', () => {
    const ref = featureReference('c', new Array(100).fill(3.5))
    expect(ref.edges).toHaveLength(2)
    expect(ref.edges[0]).toBe(3.5)
    expect(ref.edges[1]).toBeGreaterThan(3.5)
    expect(ref.edges[1]).toBeLessThan(3.5 + 1e-6)
    expect(ref.proportions).toEqual([0, 1, 0])
    expect(ref.edgeMass).toEqual([1, 0])
    expect(ref).toMatchObject({ mean: 3.5, std: 0, min: 3.5, max: 3.5, missingRate: 0 })
  })

  it('gives discrete data one bin per distinct value', () => {
    const values = [...new Array(50).fill(0), ...new Array(30).fill(1), ...new Array(20).fill(2)]
    const ref = featureReference('d', values)
    expect(ref.edges.slice(0, 3)).toEqual([0, 1, 2])
    expect(ref.edges).toHaveLength(4)
    expect(ref.proportions).toEqual([0, 0.5, 0.3, 0.2, 0])
    // every value sits on an edge; the closing edge holds none
    expect(ref.edgeMass).toEqual([0.5, 0.3, 0.2, 0])
    expect(ref.mean).toBeCloseTo(0.7, 12)
  })

  it('gives continuous data with ties strictly increasing quantile edges and fewer bins', () => {
    const next = mulberry32(7)
    // 40 % of the mass tied at zero, the rest continuous
    const values = Array.from({ length: 1000 }, (_, i) => (i % 5 < 2 ? 0 : next() * 10))
    const ref = featureReference('t', values, 32)
    expect(strictlyIncreasing(ref.edges)).toBe(true)
    expect(ref.edges.length).toBeLessThan(33)
    expect(ref.edges.length).toBeGreaterThan(16)
    expect(ref.edges[0]).toBe(0)
    expect(ref.edges[ref.edges.length - 1]).toBe(ref.max)
    expect(ref.proportions).toHaveLength(ref.edges.length + 1)
    expect(ref.proportions[0]).toBe(0)
    expect(ref.proportions[ref.proportions.length - 1]).toBe(0)
    expect(sum(ref.proportions)).toBeCloseTo(1, 12)
    // the tied zeros all sit in the first bin, and on its opening edge
    expect(ref.proportions[1]).toBeGreaterThanOrEqual(0.4)
    expect(ref.edgeMass![0]).toBeCloseTo(0.4, 12)
    // the proportions are what binIndex gives, so the agent's counts compare like with like
    const counts = new Array(ref.proportions.length).fill(0)
    for (const v of values) counts[binIndex(ref.edges, v)]++
    expect(counts.map((c) => c / values.length)).toEqual(ref.proportions)
  })

  it('spreads continuous data without ties evenly over the requested bins', () => {
    const values = Array.from({ length: 3201 }, (_, i) => Math.sin(i) * 100)
    const ref = featureReference('s', values, 16)
    expect(ref.edges).toHaveLength(17)
    for (const p of ref.proportions.slice(1, -1)) expect(p).toBeCloseTo(1 / 16, 2)
  })

  it('counts NaN and infinities as missing', () => {
    const ref = featureReference('m', [1, Number.NaN, 2, Infinity, 3, Number.NaN, 4, 5, 6, 7])
    expect(ref.missingRate).toBeCloseTo(0.3, 12)
    expect(ref.min).toBe(1)
    expect(ref.max).toBe(7)
    expect(sum(ref.proportions)).toBeCloseTo(1, 12)
  })

  it('handles a column with no present values', () => {
    const ref = featureReference('e', [Number.NaN, Number.NaN])
    expect(ref).toMatchObject({ proportions: [0, 0, 0], missingRate: 1 })
    expect(strictlyIncreasing(ref.edges)).toBe(true)
  })

  it('validates against the manifest schema', () => {
    const ref = featureReference('v', Array.from({ length: 500 }, (_, i) => i / 7))
    const manifestRef = { sampleCount: 500, source: 'test', features: [ref], outputs: {} }
    const schemaCheck = validators.manifest.issues({ reference: manifestRef }).filter((i) => i.path.startsWith('/reference'))
    expect(schemaCheck).toEqual([])
  })

  it('refuses bin counts outside 16..64', () => {
    expect(() => featureReference('x', [1, 2], 8)).toThrow(RangeError)
    expect(() => featureReference('x', [1, 2], 65)).toThrow(RangeError)
  })
})
