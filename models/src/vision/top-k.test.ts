import { describe, expect, it } from 'vitest'
import { topK } from './top-k.ts'

describe('topK', () => {
  it('ranks best first with labels, ties by class index', () => {
    expect(topK([0.1, 0.4, 0.4, 0.1], 3, ['a', 'b', 'c'])).toEqual([
      { classIndex: 1, score: 0.4, label: 'b' },
      { classIndex: 2, score: 0.4, label: 'c' },
      { classIndex: 0, score: 0.1, label: 'a' },
    ])
  })

  it('returns every class when k exceeds them, skipping NaN, without labels', () => {
    expect(topK(Float32Array.of(0.25, Number.NaN, 0.75), 10)).toEqual([{ classIndex: 2, score: 0.75 }, { classIndex: 0, score: 0.25 }])
  })

  it('refuses k below 1', () => {
    expect(() => topK([1], 0)).toThrow(RangeError)
  })
})
