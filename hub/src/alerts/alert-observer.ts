/** What happened to one webhook attempt: delivered, failed but tried again later, or given up. */
export type WebhookOutcome = 'delivered' | 'retried' | 'failed'

/** Where the alert service reports what it did (HubMetrics counts it for Prometheus). */
export interface AlertObserver {
  /** a new alert was stored (a repeated id is not reported) */
  alertEmitted(kind: string, state: string): void
  /** a stored alert's MQTT publish failed or did not finish in time */
  alertPublishFailed(): void
  webhookAttempted(outcome: WebhookOutcome): void
}
