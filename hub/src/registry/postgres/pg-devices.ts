import { isDeviceId } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import { requireDeviceId } from '../identifiers.ts'
import type { DeviceFilter, DeviceRecord, PresenceUpdate, StoredEvent } from '../registry-store.ts'
import { generateSecret, hashSecret, verifySecret } from '../secret-hash.ts'
import type { EventRow } from '../sqlite-rows.ts'
import { LOCK, lockName } from './pg-locks.ts'
import { isUniqueViolation, type PgQueries } from './pg-queries.ts'
import { DEVICE_COLUMNS, pgPresenceParams, PG_UPDATE_PRESENCE_SQL, toPgDeviceRecord, toPgStoredEvent, type PgDeviceRow } from './pg-rows.ts'

const DEFAULT_EVENT_LIMIT = 100

const notFound = (id: string): HubError => new HubError('HUB_DEVICE_NOT_FOUND', `no device ${JSON.stringify(id)}: list devices with \`edgefleet device list\``)

/** Devices and their events in the PostgreSQL registry; the registry delegates to it. Same semantics as SqliteRegistry. */
export class PgDevices {
  constructor(private readonly q: PgQueries) {}

  async addDevice(id: string, tags: Record<string, string> = {}): Promise<{ device: DeviceRecord; secret: string }> {
    requireDeviceId(id)
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    try {
      await this.q.tx(async (t) => {
        await lockName(t, LOCK.mqttUsername, id)
        // devices and subscribers share the broker's username namespace
        if (await t.one("SELECT 1 FROM credentials WHERE kind = 'subscriber' AND name = $1", [id])) {
          throw new HubError('HUB_DEVICE_EXISTS', `MQTT username ${JSON.stringify(id)} belongs to a subscriber: pick another device id`)
        }
        await t.run('INSERT INTO devices (id, tags, created_at, secret_hash) VALUES ($1, $2, $3, $4)', [id, JSON.stringify(tags), Date.now(), hash])
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw new HubError('HUB_DEVICE_EXISTS', `device ${JSON.stringify(id)} is already registered: rotate its secret instead, or remove it first`)
      throw err
    }
    return { device: (await this.getDevice(id))!, secret }
  }

  /** Also deletes the device's events, so a device re-added under the same id starts a fresh `seq`. */
  async removeDevice(id: string): Promise<boolean> {
    requireDeviceId(id)
    return this.q.tx(async (t) => {
      await t.run('DELETE FROM events WHERE device_id = $1', [id])
      return (await t.run('DELETE FROM devices WHERE id = $1', [id])) > 0
    })
  }

  async getDevice(id: string): Promise<DeviceRecord | null> {
    if (!isDeviceId(id)) return null
    const row = await this.q.one<PgDeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [id])
    return row ? toPgDeviceRecord(row) : null
  }

  /** Ordered by id (byte order, as SQLite's). */
  async listDevices(filter: DeviceFilter = {}): Promise<DeviceRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    for (const [key, value] of Object.entries(filter.tags ?? {})) {
      params.push(key, value)
      where.push(`(tags::jsonb ->> $${params.length - 1}) = $${params.length}`)
    }
    if (filter.online !== undefined) {
      params.push(filter.online)
      where.push(`online = $${params.length}`)
    }
    const sql = `SELECT ${DEVICE_COLUMNS} FROM devices ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id COLLATE "C"`
    return (await this.q.rows<PgDeviceRow>(sql, params)).map(toPgDeviceRecord)
  }

  async verifyDeviceSecret(id: string, secret: string): Promise<boolean> {
    // the id format is public, so refusing a malformed one early reveals nothing
    if (!isDeviceId(id)) return false
    const row = await this.q.one<{ secret_hash: string; revoked_at: number | null }>('SELECT secret_hash, revoked_at FROM devices WHERE id = $1', [id])
    // a revoked device's secret still costs the same check, then fails
    return (await verifySecret(secret, row?.secret_hash ?? null)) && row?.revoked_at === null
  }

  async rotateDeviceSecret(id: string): Promise<string> {
    requireDeviceId(id)
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    if ((await this.q.run('UPDATE devices SET secret_hash = $1 WHERE id = $2', [hash, id])) === 0) throw notFound(id)
    return secret
  }

  async revokeDevice(id: string, at: number): Promise<DeviceRecord> {
    requireDeviceId(id)
    if ((await this.q.run('UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2', [at, id])) === 0) throw notFound(id)
    return (await this.getDevice(id))!
  }

  async updatePresence(id: string, u: PresenceUpdate): Promise<void> {
    requireDeviceId(id)
    if ((await this.q.run(PG_UPDATE_PRESENCE_SQL, pgPresenceParams(id, u))) === 0) {
      throw new HubError('HUB_DEVICE_NOT_FOUND', `no device ${JSON.stringify(id)} to update; it may have been removed`)
    }
  }

  /** Last seen is left alone: after a hub restart the hub cannot know when each device was last there. */
  async markAllOffline(): Promise<void> {
    await this.q.run('UPDATE devices SET online = FALSE WHERE online')
  }

  async recordEvent(e: StoredEvent): Promise<boolean> {
    const sql = 'INSERT INTO events (device_id, seq, ts, type, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id, seq) DO NOTHING'
    return (await this.q.run(sql, [e.deviceId, e.seq, e.ts, e.type, JSON.stringify(e.event)])) === 1
  }

  /** Newest first (highest seq), at most `limit` (default 100). */
  async listEvents(deviceId: string, limit = DEFAULT_EVENT_LIMIT): Promise<StoredEvent[]> {
    const rows = await this.q.rows<EventRow>('SELECT * FROM events WHERE device_id = $1 ORDER BY seq DESC LIMIT $2', [deviceId, limit])
    return rows.map(toPgStoredEvent)
  }
}
