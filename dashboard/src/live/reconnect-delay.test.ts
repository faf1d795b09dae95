import { describe, expect, it } from 'vitest'
import { reconnectDelay, RECONNECT_MAX_MS } from './reconnect-delay.ts'

describe('reconnect delay', () => {
  it('doubles from about a second and never exceeds 30 s', () => {
    expect([0, 1, 2, 3].map((a) => reconnectDelay(a, 0))).toEqual([500, 1000, 2000, 4000])
    expect([0, 1, 2, 3].map((a) => reconnectDelay(a, 0.999999))).toEqual([1000, 2000, 4000, 8000])
    expect(reconnectDelay(50, 0.999999)).toBeLessThanOrEqual(RECONNECT_MAX_MS)
    expect(reconnectDelay(50, 0)).toBe(RECONNECT_MAX_MS / 2)
  })
})
