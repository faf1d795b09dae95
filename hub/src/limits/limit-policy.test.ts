import { describe, expect, it } from 'vitest'
import { checkConnections, checkPayloadSize, PublishRateLimiter, TokenBucket } from './limit-policy.ts'

describe('checkPayloadSize', () => {
  it('allows up to the limit and refuses one byte more, naming the setting', () => {
    expect(checkPayloadSize(256 * 1024, 256 * 1024)).toEqual({ allow: true })
    const refused = checkPayloadSize(256 * 1024 + 1, 256 * 1024)
    expect(refused).toMatchObject({ allow: false, limit: 'payload-size' })
    expect(!refused.allow && refused.reason).toMatch(/262145 bytes .* 262144 bytes \(maxPayloadBytes\)/)
  })
})

describe('checkConnections', () => {
  it('admits while below the limit', () => {
    expect(checkConnections(0, 1).allow).toBe(true)
    expect(checkConnections(9_999, 10_000).allow).toBe(true)
    expect(checkConnections(10_000, 10_000)).toMatchObject({ allow: false, limit: 'connections' })
  })
})

describe('TokenBucket', () => {
  it('gives the burst at once, then one token per 1/rate s as waits, and refuses past the debt', () => {
    const b = new TokenBucket(10, 3, 0)
    expect([b.take(0, 2), b.take(0, 2), b.take(0, 2)]).toEqual([0, 0, 0])
    // in debt: the 4th waits 100 ms for its token, the 5th 200 ms; the 6th would be 3 in debt
    expect(b.take(0, 2)).toBe(100)
    expect(b.take(0, 2)).toBe(200)
    expect(b.take(0, 2)).toBeNull()
    // 500 ms later the debt of 2 is paid and 3 tokens earned, capped at the burst of 3
    expect(b.take(500, 2)).toBe(0)
    expect(b.full(500)).toBe(false)
    expect(b.full(600)).toBe(true)
  })

  it('refills at the rate, never above the burst, and ignores a clock that steps back', () => {
    const b = new TokenBucket(2, 2, 1000)
    b.take(1000, 0)
    b.take(1000, 0)
    expect(b.take(1000, 0)).toBeNull()
    expect(b.take(1499, 0)).toBeNull()
    expect(b.take(1500, 0)).toBe(0)
    expect(b.take(900, 0)).toBeNull()
    expect(b.full(1_000_000)).toBe(true)
  })
})

describe('PublishRateLimiter', () => {
  it('keeps one bucket per device: one device over its rate does not slow another', () => {
    const limiter = new PublishRateLimiter({ ratePerS: 1, burst: 1, maxPaced: 1 })
    expect(limiter.check('a', 0)).toEqual({ allow: true, waitMs: 0 })
    expect(limiter.check('a', 0)).toEqual({ allow: true, waitMs: 1000 })
    const refused = limiter.check('a', 0)
    expect(refused).toMatchObject({ allow: false, limit: 'publish-rate' })
    expect(!refused.allow && refused.reason).toMatch(/device a .* 1 messages\/s/)
    expect(limiter.check('b', 0)).toEqual({ allow: true, waitMs: 0 })
  })

  it('a reconnect does not refill a bucket: it is forgotten only once full', () => {
    const limiter = new PublishRateLimiter({ ratePerS: 10, burst: 5, maxPaced: 0 })
    for (let i = 0; i < 5; i++) limiter.check('a', 0)
    limiter.release('a', 0)
    expect(limiter.check('a', 0).allow).toBe(false)
    limiter.release('a', 10_000)
    expect(limiter.size).toBe(0)
    expect(limiter.check('a', 10_000)).toEqual({ allow: true, waitMs: 0 })
  })

  it('paces an agent-like sender (64 unacknowledged at most) without ever refusing it', () => {
    const limiter = new PublishRateLimiter({ ratePerS: 200, burst: 1000, maxPaced: 256 })
    // an outbox of 20 000 messages drained as fast as PUBACKs come: 64 in flight, the next sent on each PUBACK
    let now = 0
    const inflight: number[] = []
    let refused = 0
    for (let sent = 0; sent < 20_000; sent++) {
      if (inflight.length === 64) now = Math.max(now, inflight.shift()!)
      const d = limiter.check('agent', now)
      if (!d.allow) refused++
      else inflight.push(now + d.waitMs)
    }
    expect(refused).toBe(0)
    // 1000 at once, the other 19 000 at 200/s
    expect(Math.max(...inflight)).toBeGreaterThanOrEqual(95_000 - 1)
  })
})
