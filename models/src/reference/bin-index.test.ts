import { describe, expect, it } from 'vitest'
import { binIndex } from './bin-index.ts'

describe('binIndex', () => {
  const edges = [0, 1, 2, 4]

  it('puts values below the first edge in underflow and above the last in overflow', () => {
    expect(binIndex(edges, -0.001)).toBe(0)
    expect(binIndex(edges, -Infinity)).toBe(0)
    expect(binIndex(edges, 4.001)).toBe(4)
    expect(binIndex(edges, Infinity)).toBe(4)
  })

  it('puts a value equal to an edge in the bin that edge opens', () => {
    expect(binIndex(edges, 0)).toBe(1)
    expect(binIndex(edges, 1)).toBe(2)
    expect(binIndex(edges, 2)).toBe(3)
  })

  it('closes the last bin', () => {
    expect(binIndex(edges, 4)).toBe(3)
  })

  it('finds interior values', () => {
    expect(binIndex(edges, 0.5)).toBe(1)
    expect(binIndex(edges, 1.999)).toBe(2)
    expect(binIndex(edges, 3)).toBe(3)
  })

  it('agrees with a linear scan on many edges', () => {
    const many = Array.from({ length: 65 }, (_, i) => i * i)
    for (let x = -2; x < 4100; x += 7.5) {
      let expected = 0
      if (x > many[64]!) expected = 65
      else if (x === many[64]) expected = 64
      else for (let i = 0; i < 64; i++) if (many[i]! <= x && x < many[i + 1]!) expected = i + 1
      expect(binIndex(many, x)).toBe(expected)
    }
  })

  it('returns -1 for NaN and refuses fewer than two edges', () => {
    expect(binIndex(edges, Number.NaN)).toBe(-1)
    expect(() => binIndex([1], 1)).toThrow(RangeError)
  })
})
