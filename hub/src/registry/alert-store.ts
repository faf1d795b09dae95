import type { Alert, AlertAck } from '@edgefleet/protocol'

/**
 * The registry's alert history and webhook outbox: the part of {@link RegistryStore} the alert
 * service (hub/src/alerts/) and the drift engine use. Alerts are stored once per id and never
 * deleted; webhook deliveries are durable, so pending ones survive a hub restart.
 */

/** An alert as stored, with its acknowledgement. */
export interface AlertRecord {
  alert: Alert
  /** null until acknowledged; the first acknowledgement is kept */
  ack: AlertAck | null
}

/** Filters of {@link AlertStore.listAlerts}; every given one must match. */
export interface AlertQuery {
  state?: Alert['state']
  /** model name */
  model?: string
  version?: string
  deviceId?: string
  kind?: Alert['kind']
  scope?: Alert['scope']
  /** true: acknowledged only; false: unacknowledged only */
  acknowledged?: boolean
  /** page size (default 100, at most 1000) */
  limit?: number
  /** an alert id: only alerts older than that one (paging); HUB_USAGE when no such alert */
  before?: string
}

/** One page, newest first; `next` is the `before` of the following page, null on the last. */
export interface AlertPage {
  alerts: AlertRecord[]
  next: string | null
}

/** A webhook delivery that is due: what the dispatcher needs for one attempt. */
export interface DueWebhookDelivery {
  id: number
  alertId: string
  url: string
  /** attempts made so far */
  attempts: number
  /** the alert JSON exactly as stored: the request body, and what the signature covers */
  body: string
}

export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed'

/** A delivery's full record (for operators and tests). */
export interface WebhookDeliveryRecord {
  id: number
  alertId: string
  url: string
  state: WebhookDeliveryState
  attempts: number
  /** when a pending delivery is tried next (ms since the epoch) */
  nextAttemptAt: number
  /** HTTP status of the last attempt; null before the first or when it got no response */
  lastStatus: number | null
  lastError: string | null
  createdAt: number
  updatedAt: number
}

/** The outcome of one attempt, as the dispatcher decided it. */
export type WebhookAttempt = { at: number; status: number | null; error: string | null } & (
  | { state: 'delivered' | 'failed' }
  | { state: 'pending'; nextAttemptAt: number }
)

export interface AlertStore {
  /**
   * Stores `alert` and queues one webhook delivery per URL, in one transaction. Idempotent on the
   * alert id: false (and nothing changed) when that id is already stored.
   */
  insertAlert(alert: Alert, webhookUrls?: readonly string[]): Promise<boolean>
  getAlert(id: string): Promise<AlertRecord | null>
  /** Newest first (by `ts`, then arrival). */
  listAlerts(query?: AlertQuery): Promise<AlertPage>
  /**
   * Records who acknowledged the alert; a second acknowledgement changes nothing. Returns the
   * record as stored. Throws HUB_ALERT_NOT_FOUND.
   */
  acknowledgeAlert(id: string, ack: { by: string; note?: string | null; at?: number }): Promise<AlertRecord>
  /**
   * The newest alert of each (model, version, scope, device, kind) whose newest state is `raised`,
   * oldest first: what is still open (the drift engine restores its hysteresis from it).
   */
  openAlerts(): Promise<Alert[]>
  /**
   * The newest alert of each alert topic (model name, scope, device, kind), raised or cleared,
   * oldest first: the retained message each topic should carry.
   */
  latestAlertPerTopic(): Promise<Alert[]>
  /**
   * Deletes alerts older than `before` (ms since the epoch) with their finished webhook deliveries,
   * keeping the newest alert of each (model, version, scope, device, kind) — the open alerts and each
   * topic's retained state depend on it — and every alert with a delivery still pending. Returns how
   * many alerts were deleted.
   */
  pruneAlerts(before: number): Promise<number>

  /** Pending deliveries whose time has come, oldest first, at most `limit`. */
  dueWebhookDeliveries(now: number, limit: number): Promise<DueWebhookDelivery[]>
  /** When the earliest pending delivery is due; null when none is pending. */
  nextWebhookDueAt(): Promise<number | null>
  /** Counts one attempt on a delivery and records its outcome. */
  recordWebhookAttempt(id: number, attempt: WebhookAttempt): Promise<void>
  /** The deliveries of one alert, by id. */
  listWebhookDeliveries(alertId: string): Promise<WebhookDeliveryRecord[]>
}
