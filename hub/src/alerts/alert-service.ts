import type { Alert } from '@edgefleet/protocol'
import type { HubBroker } from '../broker/broker.ts'
import type { AlertStore } from '../registry/alert-store.ts'
import { alertTopicOf, parseAlert } from './alert-checks.ts'
import type { AlertObserver } from './alert-observer.ts'
import { WebhookDispatcher, type AlertLogger } from './webhook-dispatcher.ts'
import type { RetryPolicy } from './webhook-policy.ts'

/** Webhook settings of the alert service (from HubConfig). */
export interface WebhookSettings {
  urls: readonly string[]
  /** false while another hub instance delivers webhooks (it leads: hub/src/cluster/); deliveries wait in the outbox meanwhile */
  mayDeliver?: (() => boolean) | undefined
  /** HMAC-SHA256 key for X-Edgefleet-Signature; unsigned when absent */
  secret?: string | undefined
  /** per-attempt timeout */
  timeoutMs: number
  retry: RetryPolicy
}

export interface AlertServiceOptions {
  store: Pick<AlertStore, 'insertAlert' | 'getAlert' | 'latestAlertPerTopic' | 'dueWebhookDeliveries' | 'nextWebhookDueAt' | 'recordWebhookAttempt'>
  broker: Pick<HubBroker, 'publish'>
  logger: AlertLogger
  webhooks: WebhookSettings
  observer?: AlertObserver
  /** called with each alert once stored (not for a repeated id) */
  onStored?: (alert: Alert) => void
  /** how long emit() waits for the broker to confirm a publish (default 10 s); it goes on in the background */
  publishTimeoutMs?: number
  /** jitter source for webhook retries, [0, 1) */
  random?: () => number
}

const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000

/**
 * Where alerts go once the drift engine has decided them: the registry (history, acknowledgements,
 * the durable webhook outbox), MQTT (`ef/v1/alerts/drift/…`, QoS 1, retained, so a subscriber that
 * connects later sees each topic's current state) and webhooks. Obtain it as `app.alerts` from the
 * hub's fastify app (hub/src/plugins/alerts.ts), which also starts and closes it.
 */
export class AlertService {
  private readonly dispatcher: WebhookDispatcher
  /** emits and republishes run one at a time, so each retained topic ends at the last alert emitted */
  private tail: Promise<unknown> = Promise.resolve()

  /** Does no I/O: {@link start} begins webhook delivery. */
  constructor(private readonly o: AlertServiceOptions) {
    this.dispatcher = new WebhookDispatcher({ ...o.webhooks, store: o.store, logger: o.logger, observer: o.observer, random: o.random })
  }

  /** Starts webhook delivery, beginning with deliveries still pending from before a restart. */
  start(): void {
    this.dispatcher.kick()
  }

  /**
   * Validates `alert` (the protocol schema; a deviceId exactly for device scope; HUB_ALERT_INVALID),
   * stores it with one webhook delivery per configured URL in one transaction, publishes it and
   * starts the deliveries. Resolves once stored and the publish is confirmed (or has failed or taken
   * longer than `publishTimeoutMs`: that is logged and counted, not thrown, since the alert is safely
   * stored and its webhooks queued). Rejects only when the alert is invalid or cannot be stored.
   * Idempotent on `alert.id`: a repeat is published again (harmless: same retained message) but
   * neither stored nor delivered twice.
   */
  emit(alert: Alert): Promise<void> {
    let valid: Alert
    try {
      valid = parseAlert(alert)
    } catch (err) {
      return Promise.reject(err as Error)
    }
    return this.serially(() => this.store(valid))
  }

  /**
   * Publishes the newest alert of every alert topic again, retained: the embedded broker keeps
   * retained messages in memory only, so a restarted hub calls this once its broker is started.
   * Resolves with the number of topics published.
   */
  republishRetained(): Promise<number> {
    return this.serially(async () => {
      const latest = await this.o.store.latestAlertPerTopic()
      for (const alert of latest) await this.publish(alert)
      return latest.length
    })
  }

  /** Stops webhook delivery (timers, requests in flight) after the emits already begun. Idempotent. */
  async close(): Promise<void> {
    await this.tail
    await this.dispatcher.close()
  }

  private async store(alert: Alert): Promise<void> {
    const inserted = await this.o.store.insertAlert(alert, this.o.webhooks.urls)
    // a repeated id: publish what was stored first, so MQTT and webhooks carry the same alert
    const stored = inserted ? alert : ((await this.o.store.getAlert(alert.id))?.alert ?? alert)
    if (inserted) {
      this.o.observer?.alertEmitted(alert.kind, alert.state)
      this.o.onStored?.(alert)
    }
    await this.publish(stored)
    if (inserted && this.o.webhooks.urls.length > 0) this.dispatcher.kick()
  }

  private async publish(alert: Alert): Promise<void> {
    const topic = alertTopicOf(alert)
    const timeoutMs = this.o.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS
    const published = this.o.broker.publish(topic, JSON.stringify(alert), { qos: 1, retain: true }).then(
      () => 'published' as const,
      (err: Error) => err,
    )
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    const outcome = await Promise.race([published, timedOut])
    clearTimeout(timer)
    if (outcome === 'published') return
    this.o.observer?.alertPublishFailed()
    if (outcome === 'timeout') {
      this.o.logger.warn({ alert: alert.id, topic, timeoutMs }, 'alert stored; the broker has not confirmed its publish yet')
    } else {
      this.o.logger.error({ alert: alert.id, topic, err: outcome.message }, 'alert stored but not published: subscribers see it after the next alert on its topic or a hub restart')
    }
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn)
    this.tail = run.catch(() => undefined)
    return run
  }
}
