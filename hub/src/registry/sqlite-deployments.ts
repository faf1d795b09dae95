import type { DeployEvent, Desired } from '@edgefleet/protocol'
import type { SqliteStatements } from '../sqlite/sqlite-statements.ts'
import type { DeploymentRecord, DeploymentStore, DesiredRecord, RolloutRow } from './deployment-store.ts'

interface DesiredRow { device_id: string; desired: string; updated_at: number }
interface DeploymentRow {
  device_id: string; role: 'active' | 'shadow'; generation: number | null; rollout_id: string | null; model: string; version: string
  step: DeployEvent['step']; state: DeployEvent['state']; code: string | null; message: string | null; ts: number; updated_at: number
}
interface RolloutDbRow { id: string; model: string; version: string; state: string; body: string; created_at: number; updated_at: number }

/** The desired-state, deployment and rollout tables of the SQLite registry (migration 3). */
export class SqliteDeployments implements DeploymentStore {
  constructor(private readonly q: SqliteStatements) {}

  async putDesired(deviceId: string, desired: Desired, at: number): Promise<Desired> {
    return this.q.exec(() =>
      this.q.db.transaction(() => {
        const prev = this.q.stmt('SELECT generation FROM device_desired WHERE device_id = ?').get(deviceId) as { generation: number } | undefined
        const stored: Desired = { ...desired, generation: Math.max(desired.generation, (prev?.generation ?? -1) + 1) }
        this.q.stmt(`INSERT INTO device_desired (device_id, generation, rollout_id, desired, updated_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (device_id) DO UPDATE SET generation = excluded.generation, rollout_id = excluded.rollout_id, desired = excluded.desired, updated_at = excluded.updated_at`)
          .run(deviceId, stored.generation, stored.rolloutId ?? null, JSON.stringify(stored), at)
        return stored
      }).immediate(),
    )
  }

  async getDesired(deviceId: string): Promise<DesiredRecord | null> {
    const row = this.q.exec(() => this.q.stmt('SELECT device_id, desired, updated_at FROM device_desired WHERE device_id = ?').get(deviceId) as DesiredRow | undefined)
    return row ? toDesired(row) : null
  }

  async listDesired(filter: { rolloutId?: string } = {}): Promise<DesiredRecord[]> {
    const rows = this.q.exec(() => (filter.rolloutId === undefined
      ? this.q.stmt('SELECT device_id, desired, updated_at FROM device_desired ORDER BY device_id').all()
      : this.q.stmt('SELECT device_id, desired, updated_at FROM device_desired WHERE rollout_id = ? ORDER BY device_id').all(filter.rolloutId)) as DesiredRow[])
    return rows.map(toDesired)
  }

  async recordDeployment(deviceId: string, e: DeployEvent, ts: number, at: number): Promise<DeploymentRecord> {
    const role = e.role ?? 'active'
    return this.q.exec(() =>
      this.q.db.transaction(() => {
        const old = this.q.stmt('SELECT * FROM device_deployments WHERE device_id = ? AND role = ?').get(deviceId, role) as DeploymentRow | undefined
        // events may arrive out of order after a reconnect (outbox resend): keep the newest
        if (old && ((old.generation ?? -1) > (e.generation ?? -1) || ((old.generation ?? -1) === (e.generation ?? -1) && old.ts > ts))) return toDeployment(old)
        const row: DeploymentRow = {
          device_id: deviceId, role, generation: e.generation ?? null, rollout_id: e.rolloutId ?? null, model: e.model.name, version: e.model.version,
          step: e.step, state: e.state, code: e.code ?? null, message: e.message ?? null, ts, updated_at: at,
        }
        this.q.stmt(`INSERT OR REPLACE INTO device_deployments (device_id, role, generation, rollout_id, model, version, step, state, code, message, ts, updated_at)
          VALUES (@device_id, @role, @generation, @rollout_id, @model, @version, @step, @state, @code, @message, @ts, @updated_at)`).run(row)
        return toDeployment(row)
      }).immediate(),
    )
  }

  async listDeployments(filter: { deviceIds?: readonly string[]; rolloutId?: string }): Promise<DeploymentRecord[]> {
    const rows = this.q.exec(() => {
      if (filter.rolloutId !== undefined) return this.q.stmt('SELECT * FROM device_deployments WHERE rollout_id = ? ORDER BY device_id, role').all(filter.rolloutId) as DeploymentRow[]
      if (filter.deviceIds) {
        const one = this.q.stmt('SELECT * FROM device_deployments WHERE device_id = ? ORDER BY role')
        return filter.deviceIds.flatMap((id) => one.all(id) as DeploymentRow[])
      }
      return this.q.stmt('SELECT * FROM device_deployments ORDER BY device_id, role').all() as DeploymentRow[]
    })
    return rows.map(toDeployment)
  }

  async saveRollout(r: RolloutRow): Promise<void> {
    this.q.exec(() => this.q.stmt(`INSERT INTO rollouts (id, model, version, state, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body, updated_at = excluded.updated_at`)
      .run(r.id, r.model, r.version, r.state, JSON.stringify(r.body), r.createdAt, r.updatedAt))
  }

  async getRollout(id: string): Promise<RolloutRow | null> {
    const row = this.q.exec(() => this.q.stmt('SELECT * FROM rollouts WHERE id = ?').get(id) as RolloutDbRow | undefined)
    return row ? toRollout(row) : null
  }

  async listRollouts(filter: { model?: string; states?: readonly string[]; limit?: number } = {}): Promise<RolloutRow[]> {
    const rows = this.q.exec(() => (filter.model === undefined
      ? this.q.stmt('SELECT * FROM rollouts ORDER BY created_at DESC, id DESC').all()
      : this.q.stmt('SELECT * FROM rollouts WHERE model = ? ORDER BY created_at DESC, id DESC').all(filter.model)) as RolloutDbRow[])
    const states = filter.states
    return rows.filter((r) => !states || states.includes(r.state)).slice(0, filter.limit ?? rows.length).map(toRollout)
  }
}

function toDesired(r: DesiredRow): DesiredRecord {
  return { deviceId: r.device_id, desired: JSON.parse(r.desired) as Desired, updatedAt: r.updated_at }
}

function toDeployment(r: DeploymentRow): DeploymentRecord {
  return {
    deviceId: r.device_id, role: r.role, generation: r.generation, rolloutId: r.rollout_id, model: { name: r.model, version: r.version },
    step: r.step, state: r.state, code: r.code, message: r.message, ts: r.ts, updatedAt: r.updated_at,
  }
}

function toRollout(r: RolloutDbRow): RolloutRow {
  return { id: r.id, model: r.model, version: r.version, state: r.state, body: JSON.parse(r.body) as unknown, createdAt: r.created_at, updatedAt: r.updated_at }
}
