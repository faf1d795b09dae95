import type { DeployEvent, Desired } from '@edgefleet/protocol'
import type { DeploymentRecord, DeploymentStore, DesiredRecord, RolloutRow } from '../deployment-store.ts'
import { LOCK, lockName } from './pg-locks.ts'
import type { PgQueries } from './pg-queries.ts'

interface DesiredRow { device_id: string; desired: string; updated_at: number }
interface DeploymentRow {
  device_id: string; role: 'active' | 'shadow'; generation: number | null; rollout_id: string | null; model: string; version: string
  step: DeployEvent['step']; state: DeployEvent['state']; code: string | null; message: string | null; ts: number; updated_at: number
}
interface RolloutDbRow { id: string; model: string; version: string; state: string; body: string; created_at: number; updated_at: number }

const DESIRED_COLUMNS = 'device_id, desired, updated_at'

/** The desired-state, deployment and rollout tables of the PostgreSQL registry (migration 3). Same semantics as SqliteDeployments. */
export class PgDeployments implements DeploymentStore {
  constructor(private readonly q: PgQueries) {}

  async putDesired(deviceId: string, desired: Desired, at: number): Promise<Desired> {
    return this.q.tx(async (t) => {
      // read-then-write of the generation, one writer per device (across hub instances too)
      await lockName(t, LOCK.desired, deviceId)
      const prev = await t.one<{ generation: number }>('SELECT generation FROM device_desired WHERE device_id = $1', [deviceId])
      const stored: Desired = { ...desired, generation: Math.max(desired.generation, (prev?.generation ?? -1) + 1) }
      await t.run(`INSERT INTO device_desired (device_id, generation, rollout_id, desired, updated_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (device_id) DO UPDATE SET generation = excluded.generation, rollout_id = excluded.rollout_id, desired = excluded.desired, updated_at = excluded.updated_at`,
      [deviceId, stored.generation, stored.rolloutId ?? null, JSON.stringify(stored), at])
      return stored
    })
  }

  async getDesired(deviceId: string): Promise<DesiredRecord | null> {
    const row = await this.q.one<DesiredRow>(`SELECT ${DESIRED_COLUMNS} FROM device_desired WHERE device_id = $1`, [deviceId])
    return row ? toDesired(row) : null
  }

  async listDesired(filter: { rolloutId?: string } = {}): Promise<DesiredRecord[]> {
    const rows = filter.rolloutId === undefined
      ? await this.q.rows<DesiredRow>(`SELECT ${DESIRED_COLUMNS} FROM device_desired ORDER BY device_id COLLATE "C"`)
      : await this.q.rows<DesiredRow>(`SELECT ${DESIRED_COLUMNS} FROM device_desired WHERE rollout_id = $1 ORDER BY device_id COLLATE "C"`, [filter.rolloutId])
    return rows.map(toDesired)
  }

  async recordDeployment(deviceId: string, e: DeployEvent, ts: number, at: number): Promise<DeploymentRecord> {
    const role = e.role ?? 'active'
    return this.q.tx(async (t) => {
      await lockName(t, LOCK.deployment, `${deviceId}/${role}`)
      const old = await t.one<DeploymentRow>('SELECT * FROM device_deployments WHERE device_id = $1 AND role = $2', [deviceId, role])
      // events may arrive out of order after a reconnect (outbox resend): keep the newest
      if (old && ((old.generation ?? -1) > (e.generation ?? -1) || ((old.generation ?? -1) === (e.generation ?? -1) && old.ts > ts))) return toDeployment(old)
      const row: DeploymentRow = {
        device_id: deviceId, role, generation: e.generation ?? null, rollout_id: e.rolloutId ?? null, model: e.model.name, version: e.model.version,
        step: e.step, state: e.state, code: e.code ?? null, message: e.message ?? null, ts, updated_at: at,
      }
      await t.run(`INSERT INTO device_deployments (device_id, role, generation, rollout_id, model, version, step, state, code, message, ts, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (device_id, role) DO UPDATE SET generation = excluded.generation, rollout_id = excluded.rollout_id, model = excluded.model,
          version = excluded.version, step = excluded.step, state = excluded.state, code = excluded.code, message = excluded.message,
          ts = excluded.ts, updated_at = excluded.updated_at`,
      [row.device_id, row.role, row.generation, row.rollout_id, row.model, row.version, row.step, row.state, row.code, row.message, row.ts, row.updated_at])
      return toDeployment(row)
    })
  }

  async listDeployments(filter: { deviceIds?: readonly string[]; rolloutId?: string }): Promise<DeploymentRecord[]> {
    let rows: DeploymentRow[]
    if (filter.rolloutId !== undefined) {
      rows = await this.q.rows<DeploymentRow>('SELECT * FROM device_deployments WHERE rollout_id = $1 ORDER BY device_id COLLATE "C", role', [filter.rolloutId])
    } else if (filter.deviceIds) {
      // in the order the ids were given, as SQLite's
      const found = await this.q.rows<DeploymentRow>('SELECT * FROM device_deployments WHERE device_id = ANY($1) ORDER BY role', [[...filter.deviceIds]])
      rows = filter.deviceIds.flatMap((id) => found.filter((r) => r.device_id === id))
    } else {
      rows = await this.q.rows<DeploymentRow>('SELECT * FROM device_deployments ORDER BY device_id COLLATE "C", role')
    }
    return rows.map(toDeployment)
  }

  async saveRollout(r: RolloutRow): Promise<void> {
    await this.q.run(`INSERT INTO rollouts (id, model, version, state, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body, updated_at = excluded.updated_at`,
    [r.id, r.model, r.version, r.state, JSON.stringify(r.body), r.createdAt, r.updatedAt])
  }

  async getRollout(id: string): Promise<RolloutRow | null> {
    const row = await this.q.one<RolloutDbRow>('SELECT * FROM rollouts WHERE id = $1', [id])
    return row ? toRollout(row) : null
  }

  async listRollouts(filter: { model?: string; states?: readonly string[]; limit?: number } = {}): Promise<RolloutRow[]> {
    const rows = filter.model === undefined
      ? await this.q.rows<RolloutDbRow>('SELECT * FROM rollouts ORDER BY created_at DESC, id COLLATE "C" DESC')
      : await this.q.rows<RolloutDbRow>('SELECT * FROM rollouts WHERE model = $1 ORDER BY created_at DESC, id COLLATE "C" DESC', [filter.model])
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
