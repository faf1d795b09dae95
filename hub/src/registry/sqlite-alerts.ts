import type { Alert } from '@edgefleet/protocol'
import { HubError } from '../errors.ts'
import type { SqliteStatements } from '../sqlite/sqlite-statements.ts'
import type {
  AlertPage, AlertQuery, AlertRecord, AlertStore, DueWebhookDelivery, WebhookAttempt, WebhookDeliveryRecord,
} from './alert-store.ts'
import { toAlertRecord, toDeliveryRecord, type AlertRow, type DeliveryRow } from './sqlite-alert-rows.ts'

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000
const RECORD_COLUMNS = 'payload, acknowledged_at, acknowledged_by, note'

/** The newest alert of each group of `keys` (by ts, then arrival), oldest group first. */
const newestPer = (keys: string, where = 'TRUE'): string => `
  SELECT payload FROM (
    SELECT payload, state, ts, seq, ROW_NUMBER() OVER (PARTITION BY ${keys} ORDER BY ts DESC, seq DESC) AS rank FROM alerts
  ) WHERE rank = 1 AND ${where} ORDER BY ts, seq`

/** The alerts tables of the SQLite registry (migration 2); the registry delegates to it. */
export class SqliteAlerts implements AlertStore {
  constructor(private readonly q: SqliteStatements) {}

  async insertAlert(a: Alert, webhookUrls: readonly string[] = []): Promise<boolean> {
    const insert = `INSERT OR IGNORE INTO alerts (id, ts, kind, state, severity, model, version, scope, device_id, payload)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    const queue = `INSERT OR IGNORE INTO webhook_deliveries (alert_id, url, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`
    const deviceId = a.scope === 'fleet' ? null : (a.deviceId ?? null)
    return this.q.exec(() =>
      this.q.db.transaction(() => {
        const args = [a.id, a.ts, a.kind, a.state, a.severity, a.model.name, a.model.version, a.scope, deviceId, JSON.stringify(a)]
        if (this.q.stmt(insert).run(...args).changes === 0) return false
        const now = Date.now()
        for (const url of new Set(webhookUrls)) this.q.stmt(queue).run(a.id, url, now, now, now)
        return true
      }).immediate(),
    )
  }

  async getAlert(id: string): Promise<AlertRecord | null> {
    const row = this.q.exec(() => this.q.stmt(`SELECT ${RECORD_COLUMNS} FROM alerts WHERE id = ?`).get(id) as AlertRow | undefined)
    return row ? toAlertRecord(row) : null
  }

  async listAlerts(query: AlertQuery = {}): Promise<AlertPage> {
    const where: string[] = []
    const params: (string | number)[] = []
    const equal = (column: string, value: string | undefined): void => {
      if (value === undefined) return
      where.push(`${column} = ?`)
      params.push(value)
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
      where.push('(ts, seq) < (SELECT ts, seq FROM alerts WHERE id = ?)')
      params.push(query.before)
    }
    const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_LIMIT), MAX_LIMIT)
    const sql = `SELECT id, ${RECORD_COLUMNS} FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts DESC, seq DESC LIMIT ?`
    // one more than asked: whether a next page exists
    const rows = this.q.exec(() => this.q.stmt(sql).all(...params, limit + 1) as (AlertRow & { id: string })[])
    const page = rows.slice(0, limit)
    return { alerts: page.map(toAlertRecord), next: rows.length > limit ? page.at(-1)!.id : null }
  }

  async acknowledgeAlert(id: string, ack: { by: string; note?: string | null; at?: number }): Promise<AlertRecord> {
    const sql = 'UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, note = ? WHERE id = ? AND acknowledged_at IS NULL'
    this.q.exec(() => this.q.stmt(sql).run(ack.at ?? Date.now(), ack.by, ack.note ?? null, id))
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
      ) WHERE rank > 1 AND ts < ? AND id NOT IN (SELECT alert_id FROM webhook_deliveries WHERE state = 'pending')`
    return this.q.exec(() =>
      this.q.db.transaction(() => {
        const doomed = (this.q.stmt(prunable).all(before) as { id: string }[]).map((r) => r.id)
        for (const id of doomed) {
          this.q.stmt('DELETE FROM webhook_deliveries WHERE alert_id = ?').run(id)
          this.q.stmt('DELETE FROM alerts WHERE id = ?').run(id)
        }
        return doomed.length
      })(),
    )
  }

  async dueWebhookDeliveries(now: number, limit: number): Promise<DueWebhookDelivery[]> {
    const sql = `SELECT d.id, d.alert_id AS alertId, d.url, d.attempts, a.payload AS body
      FROM webhook_deliveries d JOIN alerts a ON a.id = d.alert_id
      WHERE d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?`
    return this.q.exec(() => this.q.stmt(sql).all(now, limit) as DueWebhookDelivery[])
  }

  async nextWebhookDueAt(): Promise<number | null> {
    const row = this.q.exec(() => this.q.stmt("SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE state = 'pending'").get() as { at: number | null })
    return row.at
  }

  async recordWebhookAttempt(id: number, a: WebhookAttempt): Promise<void> {
    const sql = `UPDATE webhook_deliveries SET attempts = attempts + 1, state = ?, next_attempt_at = ?, last_status = ?, last_error = ?, updated_at = ?
      WHERE id = ?`
    const next = a.state === 'pending' ? a.nextAttemptAt : a.at
    this.q.exec(() => this.q.stmt(sql).run(a.state, next, a.status, a.error, a.at, id))
  }

  async listWebhookDeliveries(alertId: string): Promise<WebhookDeliveryRecord[]> {
    const rows = this.q.exec(() => this.q.stmt('SELECT * FROM webhook_deliveries WHERE alert_id = ? ORDER BY id').all(alertId) as DeliveryRow[])
    return rows.map(toDeliveryRecord)
  }

  private payloads(sql: string): Alert[] {
    return this.q.exec(() => (this.q.stmt(sql).all() as { payload: string }[]).map((r) => JSON.parse(r.payload) as Alert))
  }
}
