import type { AlertStore, DueWebhookDelivery, WebhookAttempt } from '../registry/alert-store.ts'
import { HUB_VERSION } from '../version.ts'
import type { AlertObserver } from './alert-observer.ts'
import { judgeAttempt, type RetryPolicy } from './webhook-policy.ts'
import { postWebhook } from './webhook-sender.ts'
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.ts'

/** The logger the alert service writes to (fastify's pino logger fits). */
export interface AlertLogger {
  debug(o: object, m: string): void
  info(o: object, m: string): void
  warn(o: object, m: string): void
  error(o: object, m: string): void
}

export interface WebhookDispatcherOptions {
  store: Pick<AlertStore, 'dueWebhookDeliveries' | 'nextWebhookDueAt' | 'recordWebhookAttempt'>
  /** the configured URLs; a pending delivery to any other (removed from the settings since) is failed */
  urls: readonly string[]
  /** signs each body (header X-Edgefleet-Signature) when set */
  secret?: string | undefined
  /** per-attempt timeout */
  timeoutMs: number
  /** false: leave the outbox alone (another hub instance leads and delivers); default always true */
  mayDeliver?: (() => boolean) | undefined
  retry: RetryPolicy
  logger: AlertLogger
  observer?: Pick<AlertObserver, 'webhookAttempted'> | undefined
  /** jitter source, [0, 1) (tests pin it) */
  random?: () => number
}

/** Deliveries attempted at once. */
const BATCH = 16
/** After the outbox itself failed (database busy or gone), look again after this long. */
const STORE_RETRY_MS = 5000
/** setTimeout's limit; a later delivery is looked at again after this long. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Drains the durable webhook outbox: attempts every due delivery, records the verdict of the pure
 * policy (./webhook-policy.ts), and sleeps on one timer until the next delivery is due. Delivery is
 * at least once (a crash mid-request repeats it after restart) and unordered: receivers order alerts
 * by `ts` and may drop repeats by alert `id`. Starts idle: {@link kick} makes it look.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private closed = false
  private readonly abort = new AbortController()

  constructor(private readonly o: WebhookDispatcherOptions) {}

  /** Attempts what is due now, then waits for the next due time. Cheap to call often. */
  kick(): void {
    if (this.closed || this.o.mayDeliver?.() === false) return
    if (this.running) {
      this.again = true
      return
    }
    clearTimeout(this.timer)
    this.timer = undefined
    this.running = this.drain().finally(() => {
      this.running = undefined
    })
  }

  /** Stops the timer and aborts requests in flight (those stay pending and are retried after a restart). */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    this.abort.abort()
    await this.running
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        this.again = false
        const due = await this.o.store.dueWebhookDeliveries(Date.now(), BATCH)
        if (this.closed) return
        if (due.length === 0 && !this.again) break
        await Promise.all(due.map((d) => this.attempt(d)))
      }
      this.schedule(await this.o.store.nextWebhookDueAt())
    } catch (err) {
      if (this.closed) return
      this.o.logger.error({ err: (err as Error).message }, `webhook outbox unavailable; looking again in ${STORE_RETRY_MS} ms`)
      this.schedule(Date.now() + STORE_RETRY_MS)
    }
  }

  private schedule(at: number | null): void {
    if (at === null || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.kick()
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())))
    // the hub's servers keep the process alive; a pending retry alone should not
    this.timer.unref()
  }

  private async attempt(d: DueWebhookDelivery): Promise<void> {
    const attempt = d.attempts + 1
    const log = { delivery: d.id, alert: d.alertId, url: redactWebhookUrl(d.url), attempt }
    if (!this.o.urls.includes(d.url)) {
      await this.record(d.id, { state: 'failed', at: Date.now(), status: null, error: 'URL no longer configured' })
      this.o.logger.warn(log, 'webhook delivery dropped: its URL is no longer configured')
      this.o.observer?.webhookAttempted('failed')
      return
    }
    const headers: Record<string, string> = {
      'user-agent': `edgefleet-hub/${HUB_VERSION}`,
      'x-edgefleet-delivery': String(d.id),
      'x-edgefleet-attempt': String(attempt),
    }
    if (this.o.secret) headers[SIGNATURE_HEADER] = signWebhookBody(d.body, this.o.secret)
    const result = await postWebhook({ url: d.url, body: d.body, headers, timeoutMs: this.o.timeoutMs, signal: this.abort.signal })
    // shutting down: the delivery stays pending, as it was
    if (result.kind === 'aborted') return
    const verdict = judgeAttempt(result, attempt, this.o.retry, (this.o.random ?? Math.random)())
    const at = Date.now()
    const status = result.kind === 'response' ? result.status : null
    if (verdict.outcome === 'delivered') {
      await this.record(d.id, { state: 'delivered', at, status, error: null })
      this.o.logger.debug({ ...log, status }, 'webhook delivered')
    } else if (verdict.outcome === 'retried') {
      await this.record(d.id, { state: 'pending', nextAttemptAt: at + verdict.delayMs, at, status, error: verdict.reason })
      this.o.logger.warn({ ...log, err: verdict.reason, retryInMs: verdict.delayMs }, 'webhook attempt failed; will retry')
    } else {
      await this.record(d.id, { state: 'failed', at, status, error: verdict.reason })
      this.o.logger.error({ ...log, err: verdict.reason }, 'webhook delivery failed for good')
    }
    this.o.observer?.webhookAttempted(verdict.outcome)
  }

  private record(id: number, attempt: WebhookAttempt): Promise<void> {
    return this.o.store.recordWebhookAttempt(id, attempt)
  }
}

/** Webhook URLs often carry a secret in the path or query (Slack, Teams): log the origin only. */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url)
    return u.pathname === '/' && u.search === '' ? u.origin : `${u.origin}/…`
  } catch {
    return '(invalid URL)'
  }
}
