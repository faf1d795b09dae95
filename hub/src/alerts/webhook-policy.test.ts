import { describe, expect, it } from 'vitest'
import { judgeAttempt, parseRetryAfter, retryDelay, type AttemptResult } from './webhook-policy.ts'

const policy = { maxAttempts: 8, retryMs: 1000, maxRetryMs: 300_000 }
const status = (s: number, retryAfterMs: number | null = null): AttemptResult => ({ kind: 'response', status: s, retryAfterMs })
const refused: AttemptResult = { kind: 'error', message: 'ECONNREFUSED' }

describe('retryDelay', () => {
  it('doubles from the first delay up to the cap', () => {
    expect([1, 2, 3, 4, 9, 10, 50].map((n) => retryDelay(n, policy, 0))).toEqual([1000, 2000, 4000, 8000, 256_000, 300_000, 300_000])
  })

  it('jitters down to half, never above the nominal delay', () => {
    expect(retryDelay(3, policy, 0.5)).toBe(3000)
    expect(retryDelay(3, policy, 0.999_999)).toBe(2000)
  })
})

describe('judgeAttempt', () => {
  it('delivers on 2xx', () => {
    for (const s of [200, 201, 202, 204]) expect(judgeAttempt(status(s), 1, policy, 0)).toEqual({ outcome: 'delivered' })
  })

  it('retries network errors, 5xx and 429 with backoff', () => {
    expect(judgeAttempt(refused, 1, policy, 0)).toEqual({ outcome: 'retried', delayMs: 1000, reason: 'ECONNREFUSED' })
    expect(judgeAttempt(status(503), 2, policy, 0)).toEqual({ outcome: 'retried', delayMs: 2000, reason: 'HTTP 503' })
    expect(judgeAttempt(status(500), 3, policy, 0)).toMatchObject({ outcome: 'retried', delayMs: 4000 })
    expect(judgeAttempt(status(429), 1, policy, 0)).toMatchObject({ outcome: 'retried', delayMs: 1000 })
  })

  it('waits at least as long as Retry-After asks, within the cap', () => {
    expect(judgeAttempt(status(429, 30_000), 1, policy, 0)).toMatchObject({ delayMs: 30_000 })
    expect(judgeAttempt(status(503, 10), 4, policy, 0)).toMatchObject({ delayMs: 8000 })
    expect(judgeAttempt(status(429, 3_600_000), 1, policy, 0)).toMatchObject({ delayMs: 300_000 })
  })

  it('fails at once on other statuses: 4xx and redirects', () => {
    for (const s of [301, 302, 400, 401, 403, 404, 410, 422]) {
      expect(judgeAttempt(status(s), 1, policy, 0)).toEqual({ outcome: 'failed', reason: `HTTP ${s}: the receiver refused it (not retried)` })
    }
  })

  it('gives up on a retryable failure at the last attempt', () => {
    expect(judgeAttempt(status(502), 7, policy, 0).outcome).toBe('retried')
    expect(judgeAttempt(status(502), 8, policy, 0)).toEqual({ outcome: 'failed', reason: 'HTTP 502; gave up after 8 attempts' })
    expect(judgeAttempt(refused, 1, { ...policy, maxAttempts: 1 }, 0).outcome).toBe('failed')
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores the rest', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter(null, now)).toBeNull()
    expect(parseRetryAfter('soon', now)).toBeNull()
  })
})
