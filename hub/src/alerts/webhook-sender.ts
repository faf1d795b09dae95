import { parseRetryAfter, type AttemptResult } from './webhook-policy.ts'

/** One webhook request. */
export interface WebhookRequest {
  url: string
  body: string
  headers: Record<string, string>
  /** abort after this long: a slow receiver counts as a failed (retryable) attempt */
  timeoutMs: number
  /** aborts the request when the hub shuts down */
  signal: AbortSignal
}

/** POSTs once with Node's fetch. Redirects are not followed (a POST must not turn into a GET elsewhere). */
export async function postWebhook(r: WebhookRequest): Promise<AttemptResult | { kind: 'aborted' }> {
  const timeout = AbortSignal.timeout(r.timeoutMs)
  try {
    const res = await fetch(r.url, {
      method: 'POST',
      body: r.body,
      headers: { 'content-type': 'application/json', ...r.headers },
      redirect: 'manual',
      signal: AbortSignal.any([r.signal, timeout]),
    })
    // the body is not used; cancelling it releases the connection
    await res.body?.cancel().catch(() => undefined)
    return { kind: 'response', status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()) }
  } catch (err) {
    if (r.signal.aborted) return { kind: 'aborted' }
    if (timeout.aborted) return { kind: 'error', message: `no response within ${r.timeoutMs} ms` }
    return { kind: 'error', message: describeFetchError(err) }
  }
}

/** fetch's `TypeError: fetch failed` hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, …). */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause
  if (typeof cause?.code === 'string') return typeof cause.message === 'string' ? `${cause.code}: ${cause.message}` : cause.code
  if (typeof cause?.message === 'string') return cause.message
  return (err as Error).message
}
