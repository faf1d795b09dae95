import { describe, expect, it } from 'vitest'
import { outputReference } from './output-reference.ts'

describe('outputReference', () => {
  it('summarises predicted classes, confidence and entropy', () => {
    const rows = [
      [0.9, 0.05, 0.05],
      [0.2, 0.7, 0.1],
      [1, 0, 0],
      [0.34, 0.33, 0.33],
    ]
    const ref = outputReference(rows.flat(), 3)
    expect(ref.classDistribution).toEqual([0.75, 0.25, 0])
    expect(ref.confidenceEdges).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
    // 0.9 and 1 both land in the last (closed) bin, 0.7 in [0.7, 0.8), 0.34 in [0.3, 0.4)
    expect(ref.confidenceProportions).toEqual([0, 0, 0, 0.25, 0, 0, 0, 0.25, 0, 0.5])
    const entropy = (p: number[]): number => -p.filter((x) => x > 0).reduce((a, x) => a + x * Math.log(x), 0)
    expect(ref.meanEntropy).toBeCloseTo(rows.map(entropy).reduce((a, b) => a + b) / 4, 12)
  })

  it('refuses a ragged or empty input', () => {
    expect(() => outputReference([0.5, 0.5, 1], 2)).toThrow(RangeError)
    expect(() => outputReference([], 2)).toThrow(RangeError)
  })
})
