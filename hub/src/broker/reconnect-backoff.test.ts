import { describe, expect, it } from 'vitest'
import { ReconnectBackoff } from './reconnect-backoff.ts'

describe('ReconnectBackoff', () => {
  it('doubles the delay from the first one up to the maximum', () => {
    const b = new ReconnectBackoff(1000, 30_000)
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
  })

  it('starts over after a reset', () => {
    const b = new ReconnectBackoff(500, 4000)
    b.next()
    b.next()
    b.reset()
    expect(b.next()).toBe(500)
  })

  it('stays at the maximum however long the broker is away', () => {
    const b = new ReconnectBackoff(1000, 30_000)
    for (let i = 0; i < 10_000; i++) b.next()
    expect(b.next()).toBe(30_000)
  })
})
