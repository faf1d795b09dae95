/**
 * When a webhook delivery is done, retried or given up: pure, so the timing and the status rules are
 * tested without a server or a clock. The dispatcher (./webhook-dispatcher.ts) only adapts it.
 *
 * - 2xx: delivered.
 * - No response (connection refused, reset, DNS, timeout), 5xx or 429: retried after a delay that
 *   starts at `retryMs` and doubles with each retry up to `maxRetryMs`, each scaled by a random
 *   factor in [0.5, 1) so that many deliveries failing together do not retry in step. A 429 or 503
 *   with `Retry-After` waits at least that long (still capped at `maxRetryMs`).
 * - Any other status (3xx: redirects are not followed; 4xx: the receiver refuses this request, and
 *   the same request will not fare better): failed at once.
 * - After `maxAttempts` attempts a retryable failure is failed too.
 */

export interface RetryPolicy {
  /** attempts per delivery, the first included */
  maxAttempts: number
  /** wait before the first retry */
  retryMs: number
  /** longest wait */
  maxRetryMs: number
}

/** What one HTTP attempt came back with. */
export type AttemptResult =
  | { kind: 'response'; status: number; /** from a Retry-After header */ retryAfterMs: number | null }
  | { kind: 'error'; message: string }

export type Verdict =
  | { outcome: 'delivered' }
  | { outcome: 'retried'; delayMs: number; reason: string }
  | { outcome: 'failed'; reason: string }

/** The wait before retry number `retry` (1 = the first retry), for a `random` in [0, 1). */
export function retryDelay(retry: number, policy: RetryPolicy, random: number): number {
  const nominal = Math.min(policy.maxRetryMs, policy.retryMs * 2 ** Math.min(retry - 1, 40))
  return Math.round(nominal * (1 - random / 2))
}

/** Judges attempt number `attempt` (1 = the first) of a delivery. */
export function judgeAttempt(result: AttemptResult, attempt: number, policy: RetryPolicy, random: number): Verdict {
  const reason = result.kind === 'error' ? result.message : `HTTP ${result.status}`
  if (result.kind === 'response') {
    if (result.status >= 200 && result.status < 300) return { outcome: 'delivered' }
    if (result.status !== 429 && result.status < 500) return { outcome: 'failed', reason: `${reason}: the receiver refused it (not retried)` }
  }
  if (attempt >= policy.maxAttempts) return { outcome: 'failed', reason: `${reason}; gave up after ${attempt} attempts` }
  const backoff = retryDelay(attempt, policy, random)
  const asked = result.kind === 'response' ? (result.retryAfterMs ?? 0) : 0
  return { outcome: 'retried', delayMs: Math.min(policy.maxRetryMs, Math.max(backoff, asked)), reason }
}

/** A `Retry-After` header (seconds, or an HTTP date) as ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}
