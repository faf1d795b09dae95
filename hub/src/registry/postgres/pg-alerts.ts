import type { Alert } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import type {
  AlertPage, AlertQuery, AlertRecord, AlertStore, DueWebhookDelivery, WebhookAttempt, WebhookDeliveryRecord,
} from '../alert-store.ts'
import { toAlertRecord, toDeliveryRecord, type AlertRow, type DeliveryRow } from '../sqlite-alert-rows.ts'
import type { PgQueries } from './pg-queries.ts'

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000
const RECORD_COLUMNS = 'payload, acknowledged_at, acknowledged_by, note'

/** The newest alert of each group of `keys` (by ts, then arrival), oldest group first. */
const newestPer = (keys: string, where = 'TRUE'): string => `
  SELECT payload FROM (
    SELECT payload, state, ts, seq, ROW_NUMBER() OVER (PARTITION BY ${keys} ORDER BY ts DESC, seq DESC) AS rank FROM alerts
  ) AS ranked WHERE rank = 1 AND ${where} ORDER BY ts, seq`

/** The alerts tables of the PostgreSQL registry (migration 2); the registry delegates to it. Same semantics as SqliteAlerts. */
export class PgAlerts implements AlertStore {
  constructor(private readonly q: PgQueries) {}

  async insertAlert(a: Alert, webhookUrls: readonly string[] = []): Promise<boolean> {
    const insert = `INSERT INTO alerts (id, ts, kind, state, severity, model, version, scope, device_id, payload)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`
    const queue = `INSERT INTO webhook_deliveries (alert_id, url, next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $3, $3)
      ON CONFLICT (alert_id, url) DO NOTHING`
    const deviceId = a.scope === 'fleet' ? null : (a.deviceId ?? null)
    // the alert and its deliveries in one transaction: the outbox never misses an alert that was stored
    return this.q.tx(async (t) => {
      const args = [a.id, a.ts, a.kind, a.state, a.severity, a.model.name, a.model.version, a.scope, deviceId, JSON.stringify(a)]
      if ((await t.run(insert, args)) === 0) return false
      const now = Date.now()
      for (const url of new Set(webhookUrls)) await t.run(queue, [a.id, url, now])
      return true
    })
  }

  async getAlert(id: string): Promise<AlertRecord | null> {
    const row = await this.q.one<AlertRow>(`SELECT ${RECORD_COLUMNS} FROM alerts WHERE id = $1`, [id])
    return row ? toAlertRecord(row) : null
  }

  async listAlerts(query: AlertQuery = {}): Promise<AlertPage> {
    const where: string[] = []
    const params: unknown[] = []
    const param = (value: unknown): string => `$${params.push(value)}`
    const equal = (column: string, value: string | undefined): void => {
      if (value !== undefined) where.push(`${column} = ${param(value)}`)
    }
    equal('state', query.state)
    equal('model', query.model)
    equal('version', query.version)
    equal('device_id', query.deviceId)
    equal('kind', query.kind)
    equal('scope', query.scope)
    if (query.acknowledged !== undefined) where.push(`acknowledged_at IS ${query.acknowledged ? 'NOT NULL' : 'NULL'}`)
    if (query.before !== undefined) {
      if (!(await this.getAlert(query.before))) throw new HubError('HUB_USAGE', `no alert ${JSON.stringify(query.before)} to page from: pass the \`next\` of the previous page`)
      where.push(`(ts, seq) < (SELECT ts, seq FROM alerts WHERE id = ${param(query.before)})`)
    }
    const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_LIMIT), MAX_LIMIT)
    // one more than asked: whether a next page exists
    const sql = `SELECT id, ${RECORD_COLUMNS} FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts DESC, seq DESC LIMIT ${param(limit + 1)}`
    const rows = await this.q.rows<AlertRow & { id: string }>(sql, params)
    const page = rows.slice(0, limit)
    return { alerts: page.map(toAlertRecord), next: rows.length > limit ? page.at(-1)!.id : null }
  }

  async acknowledgeAlert(id: string, ack: { by: string; note?: string | null; at?: number }): Promise<AlertRecord> {
    const sql = 'UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2, note = $3 WHERE id = $4 AND acknowledged_at IS NULL'
    await this.q.run(sql, [ack.at ?? Date.now(), ack.by, ack.note ?? null, id])
    const record = await this.getAlert(id)
    if (!record) throw new HubError('HUB_ALERT_NOT_FOUND', `no alert ${JSON.stringify(id)}: list alerts with \`edgefleet alerts list\` or GET /api/v1/alerts`)
    return record
  }

  async openAlerts(): Promise<Alert[]> {
    return this.payloads(newestPer('model, version, scope, device_id, kind', "state = 'raised'"))
  }

  async latestAlertPerTopic(): Promise<Alert[]> {
    return this.payloads(newestPer('model, scope, device_id, kind'))
  }

  async pruneAlerts(before: number): Promise<number> {
    const prunable = `SELECT id FROM (
        SELECT id, ts, ROW_NUMBER() OVER (PARTITION BY model, version, scope, device_id, kind ORDER BY ts DESC, seq DESC) AS rank FROM alerts
      ) AS ranked WHERE rank > 1 AND ts < $1 AND id NOT IN (SELECT alert_id FROM webhook_deliveries WHERE state = 'pending')`
    return this.q.tx(async (t) => {
      const doomed = (await t.rows<{ id: string }>(prunable, [before])).map((r) => r.id)
      if (doomed.length === 0) return 0
      await t.run('DELETE FROM webhook_deliveries WHERE alert_id = ANY($1)', [doomed])
      await t.run('DELETE FROM alerts WHERE id = ANY($1)', [doomed])
      return doomed.length
    })
  }

  async dueWebhookDeliveries(now: number, limit: number): Promise<DueWebhookDelivery[]> {
    const sql = `SELECT d.id, d.alert_id AS "alertId", d.url, d.attempts, a.payload AS body
      FROM webhook_deliveries d JOIN alerts a ON a.id = d.alert_id
      WHERE d.state = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.next_attempt_at, d.id LIMIT $2`
    return this.q.rows<DueWebhookDelivery>(sql, [now, limit])
  }

  async nextWebhookDueAt(): Promise<number | null> {
    const row = await this.q.one<{ at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE state = 'pending'")
    return row?.at ?? null
  }

  async recordWebhookAttempt(id: number, a: WebhookAttempt): Promise<void> {
    const sql = `UPDATE webhook_deliveries SET attempts = attempts + 1, state = $1, next_attempt_at = $2, last_status = $3, last_error = $4, updated_at = $5
      WHERE id = $6`
    const next = a.state === 'pending' ? a.nextAttemptAt : a.at
    await this.q.run(sql, [a.state, next, a.status, a.error, a.at, id])
  }

  async listWebhookDeliveries(alertId: string): Promise<WebhookDeliveryRecord[]> {
    const rows = await this.q.rows<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE alert_id = $1 ORDER BY id', [alertId])
    return rows.map(toDeliveryRecord)
  }

  private async payloads(sql: string): Promise<Alert[]> {
    return (await this.q.rows<{ payload: string }>(sql)).map((r) => JSON.parse(r.payload) as Alert)
  }
}
