import type { Alert } from '@edgefleet/protocol'
import type { AlertRecord, WebhookDeliveryRecord, WebhookDeliveryState } from './alert-store.ts'

/** The columns of an `alerts` row that make an AlertRecord. */
export interface AlertRow {
  payload: string
  acknowledged_at: number | null
  acknowledged_by: string | null
  note: string | null
}

/** A `webhook_deliveries` row. */
export interface DeliveryRow {
  id: number
  alert_id: string
  url: string
  state: WebhookDeliveryState
  attempts: number
  next_attempt_at: number
  last_status: number | null
  last_error: string | null
  created_at: number
  updated_at: number
}

export function toAlertRecord(row: AlertRow): AlertRecord {
  const ack = row.acknowledged_at === null ? null : { at: row.acknowledged_at, by: row.acknowledged_by ?? '', note: row.note }
  return { alert: JSON.parse(row.payload) as Alert, ack }
}

export function toDeliveryRecord(row: DeliveryRow): WebhookDeliveryRecord {
  return {
    id: row.id,
    alertId: row.alert_id,
    url: row.url,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
