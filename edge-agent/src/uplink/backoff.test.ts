import { describe, expect, it } from 'vitest'
import { reconnectDelayMs } from './backoff.ts'

describe('reconnectDelayMs', () => {
  it('doubles from 0.25–0.5 s up to 15–30 s, jittered within each step', () => {
    const low = (n: number): number => reconnectDelayMs(n, {}, () => 0)
    const high = (n: number): number => reconnectDelayMs(n, {}, () => 1)
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map(high)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
    expect([0, 6, 1000].map(low)).toEqual([250, 15000, 15000])
    for (let i = 0; i < 100; i++) {
      const d = reconnectDelayMs(3)
      expect(d).toBeGreaterThanOrEqual(2000)
      expect(d).toBeLessThanOrEqual(4000)
    }
  })
  it('takes its own bounds', () => {
    expect(reconnectDelayMs(10, { initialMs: 10, maxMs: 100 }, () => 1)).toBe(100)
  })
})
