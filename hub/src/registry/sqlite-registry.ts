import type Database from 'better-sqlite3'
import { isDeviceId, OPERATOR_ROLES, type OperatorRole } from '@edgefleet/protocol'
import { HubError } from '../errors.ts'
import { openSqlite } from '../sqlite/open-sqlite.ts'
import { SqliteStatements } from '../sqlite/sqlite-statements.ts'
import { isCredentialName, requireCredentialName, requireDeviceId } from './identifiers.ts'
import { migrate } from './migrations.ts'
import { generateSecret, hashSecret, verifySecret } from './secret-hash.ts'
import { DEVICE_COLUMNS, presenceParams, toDeviceRecord, toStoredEvent, UPDATE_PRESENCE_SQL, type DeviceRow, type EventRow } from './sqlite-rows.ts'
import type { CredentialInfo, CredentialKind, DeviceFilter, DeviceRecord, PresenceUpdate, RegistryStore, StoredEvent } from './registry-store.ts'
import { ComposedRegistry } from './composed-registry.ts'
import { SqliteAlerts } from './sqlite-alerts.ts'
import { SqliteModels } from './sqlite-models.ts'
import { SqliteDeployments } from './sqlite-deployments.ts'
import { SqliteJobs } from './sqlite-jobs.ts'
import { SqliteClaims } from './sqlite-claims.ts'

/** How long a statement waits for another process's write lock (the CLI beside a running hub). */
const DEFAULT_EVENT_LIMIT = 100

/**
 * The registry in one SQLite file (better-sqlite3, WAL), shared safely by a running hub and the CLI.
 * Statements are synchronous and short; only secret hashing is truly asynchronous.
 */
export class SqliteRegistry extends ComposedRegistry implements RegistryStore {
  private readonly q: SqliteStatements

  private constructor(
    private readonly db: Database.Database,
    /** the file, for messages */
    readonly path: string,
  ) {
    const q = new SqliteStatements(db, `registry ${path}`)
    super({ alerts: new SqliteAlerts(q), models: new SqliteModels(q), deployments: new SqliteDeployments(q), jobs: new SqliteJobs(q), claims: new SqliteClaims(q) })
    this.q = q
  }

  /** Opens (creating directory and file when missing) and migrates the registry at `path`. */
  static async open(path: string): Promise<SqliteRegistry> {
    try {
      return openSqlite(path, (db) => {
        migrate(db, path)
        return new SqliteRegistry(db, path)
      })
    } catch (err) {
      if (err instanceof HubError) throw err
      throw new HubError('HUB_STORE_FAILED', `cannot open the registry ${path}: ${(err as Error).message}; check the path and its permissions`, { cause: err })
    }
  }

  async addDevice(id: string, tags: Record<string, string> = {}): Promise<{ device: DeviceRecord; secret: string }> {
    requireDeviceId(id)
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    this.exec(() =>
      this.db.transaction(() => {
        // devices and subscribers share the broker's username namespace
        if (this.stmt("SELECT 1 FROM credentials WHERE kind = 'subscriber' AND name = ?").get(id)) {
          throw new HubError('HUB_DEVICE_EXISTS', `MQTT username ${JSON.stringify(id)} belongs to a subscriber: pick another device id`)
        }
        if (this.stmt('SELECT 1 FROM devices WHERE id = ?').get(id)) {
          throw new HubError('HUB_DEVICE_EXISTS', `device ${JSON.stringify(id)} is already registered: rotate its secret instead, or remove it first`)
        }
        this.stmt('INSERT INTO devices (id, tags, created_at, secret_hash) VALUES (?, ?, ?, ?)').run(id, JSON.stringify(tags), Date.now(), hash)
      }).immediate(),
    )
    return { device: (await this.getDevice(id))!, secret }
  }

  /** Also deletes the device's events, so a device re-added under the same id starts a fresh `seq`. */
  async removeDevice(id: string): Promise<boolean> {
    requireDeviceId(id)
    return this.exec(() =>
      this.db.transaction(() => {
        this.stmt('DELETE FROM events WHERE device_id = ?').run(id)
        return this.stmt('DELETE FROM devices WHERE id = ?').run(id).changes > 0
      }).immediate(),
    )
  }

  /** `null` also for a malformed id: no device can have it (the broker looks up arbitrary usernames). */
  async getDevice(id: string): Promise<DeviceRecord | null> {
    if (!isDeviceId(id)) return null
    const row = this.exec(() => this.stmt(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = ?`).get(id) as DeviceRow | undefined)
    return row ? toDeviceRecord(row) : null
  }

  /** Ordered by id. */
  async listDevices(filter: DeviceFilter = {}): Promise<DeviceRecord[]> {
    const where: string[] = []
    const params: (string | number)[] = []
    for (const [key, value] of Object.entries(filter.tags ?? {})) {
      where.push('EXISTS (SELECT 1 FROM json_each(devices.tags) WHERE key = ? AND value = ?)')
      params.push(key, value)
    }
    if (filter.online !== undefined) {
      where.push('online = ?')
      params.push(filter.online ? 1 : 0)
    }
    const sql = `SELECT ${DEVICE_COLUMNS} FROM devices ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`
    return this.exec(() => (this.stmt(sql).all(...params) as DeviceRow[]).map(toDeviceRecord))
  }

  /** ~40 ms of scrypt whether or not the device exists; callers may cache a `true` per connection. */
  async verifyDeviceSecret(id: string, secret: string): Promise<boolean> {
    // the id format is public, so refusing a malformed one early reveals nothing
    if (!isDeviceId(id)) return false
    const row = this.exec(() => this.stmt('SELECT secret_hash, revoked_at FROM devices WHERE id = ?').get(id) as { secret_hash: string; revoked_at: number | null } | undefined)
    // a revoked device's secret still costs the same check, then fails
    return (await verifySecret(secret, row?.secret_hash ?? null)) && row?.revoked_at === null
  }

  async rotateDeviceSecret(id: string): Promise<string> {
    requireDeviceId(id)
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    const changes = this.exec(() => this.stmt('UPDATE devices SET secret_hash = ? WHERE id = ?').run(hash, id).changes)
    if (changes === 0) throw new HubError('HUB_DEVICE_NOT_FOUND', `no device ${JSON.stringify(id)}: list devices with \`edgefleet device list\``)
    return secret
  }

  async revokeDevice(id: string, at: number): Promise<DeviceRecord> {
    requireDeviceId(id)
    const changes = this.exec(() => this.stmt('UPDATE devices SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(at, id).changes)
    if (changes === 0) throw new HubError('HUB_DEVICE_NOT_FOUND', `no device ${JSON.stringify(id)}: list devices with \`edgefleet device list\``)
    return (await this.getDevice(id))!
  }

  /**
   * Sets online and last seen (and first seen, once); fields left undefined keep their value, and
   * `model: null` clears the model. Throws HUB_DEVICE_NOT_FOUND for an unknown (e.g. just removed) device.
   */
  async updatePresence(id: string, u: PresenceUpdate): Promise<void> {
    requireDeviceId(id)
    const changes = this.exec(() => this.stmt(UPDATE_PRESENCE_SQL).run(presenceParams(id, u)).changes)
    if (changes === 0) throw new HubError('HUB_DEVICE_NOT_FOUND', `no device ${JSON.stringify(id)} to update; it may have been removed`)
  }

  /** Last seen is left alone: after a hub restart the hub cannot know when each device was last there. */
  async markAllOffline(): Promise<void> {
    this.exec(() => this.stmt('UPDATE devices SET online = 0 WHERE online = 1').run())
  }

  addCredential(kind: 'subscriber', name: string): Promise<{ name: string; secret: string }>
  addCredential(kind: 'operator', name: string, role: OperatorRole): Promise<{ name: string; secret: string }>
  async addCredential(kind: CredentialKind, name: string, role?: OperatorRole): Promise<{ name: string; secret: string }> {
    requireCredentialName(name)
    if (kind === 'operator' && !(OPERATOR_ROLES as readonly unknown[]).includes(role)) {
      throw new HubError('HUB_USAGE', `an operator token needs a role, one of ${OPERATOR_ROLES.join(', ')}; got ${JSON.stringify(role)}`)
    }
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    this.exec(() =>
      this.db.transaction(() => {
        if (kind === 'subscriber' && this.stmt('SELECT 1 FROM devices WHERE id = ?').get(name)) {
          throw new HubError('HUB_CREDENTIAL_EXISTS', `MQTT username ${JSON.stringify(name)} belongs to a device: pick another subscriber name`)
        }
        if (this.stmt('SELECT 1 FROM credentials WHERE kind = ? AND name = ?').get(kind, name)) {
          throw new HubError('HUB_CREDENTIAL_EXISTS', `${kind} ${JSON.stringify(name)} already exists: remove it first, or pick another name`)
        }
        const stored = kind === 'operator' ? role! : null
        this.stmt('INSERT INTO credentials (kind, name, secret_hash, created_at, role) VALUES (?, ?, ?, ?, ?)').run(kind, name, hash, Date.now(), stored)
      }).immediate(),
    )
    return { name, secret }
  }

  /** Same cost and caching advice as verifyDeviceSecret. */
  async verifyCredential(kind: CredentialKind, name: string, secret: string): Promise<boolean> {
    if (!isCredentialName(name)) return false
    const row = this.exec(
      () => this.stmt('SELECT secret_hash FROM credentials WHERE kind = ? AND name = ?').get(kind, name) as { secret_hash: string } | undefined,
    )
    return verifySecret(secret, row?.secret_hash ?? null)
  }

  /** Same cost and caching advice as verifyDeviceSecret. */
  async verifyOperatorToken(name: string, secret: string): Promise<OperatorRole | null> {
    if (!isCredentialName(name)) return null
    const row = this.exec(
      () => this.stmt("SELECT secret_hash, role FROM credentials WHERE kind = 'operator' AND name = ?").get(name) as { secret_hash: string; role: OperatorRole } | undefined,
    )
    return (await verifySecret(secret, row?.secret_hash ?? null)) ? row!.role : null
  }

  async setOperatorRole(name: string, role: OperatorRole): Promise<boolean> {
    requireCredentialName(name)
    if (!(OPERATOR_ROLES as readonly unknown[]).includes(role)) {
      throw new HubError('HUB_USAGE', `an operator token's role is one of ${OPERATOR_ROLES.join(', ')}; got ${JSON.stringify(role)}`)
    }
    return this.exec(() => this.stmt("UPDATE credentials SET role = ? WHERE kind = 'operator' AND name = ?").run(role, name).changes > 0)
  }

  /** Ordered by name. */
  async listCredentials(kind: CredentialKind): Promise<CredentialInfo[]> {
    const sql = 'SELECT name, created_at, role FROM credentials WHERE kind = ? ORDER BY name'
    const rows = this.exec(() => this.stmt(sql).all(kind) as { name: string; created_at: number; role: OperatorRole | null }[])
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at, ...(r.role !== null ? { role: r.role } : {}) }))
  }

  async removeCredential(kind: CredentialKind, name: string): Promise<boolean> {
    requireCredentialName(name)
    return this.exec(() => this.stmt('DELETE FROM credentials WHERE kind = ? AND name = ?').run(kind, name).changes > 0)
  }

  async recordEvent(e: StoredEvent): Promise<boolean> {
    const sql = 'INSERT OR IGNORE INTO events (device_id, seq, ts, type, body) VALUES (?, ?, ?, ?, ?)'
    return this.exec(() => this.stmt(sql).run(e.deviceId, e.seq, e.ts, e.type, JSON.stringify(e.event)).changes === 1)
  }

  /** Newest first (highest seq), at most `limit` (default 100). */
  async listEvents(deviceId: string, limit = DEFAULT_EVENT_LIMIT): Promise<StoredEvent[]> {
    const rows = this.exec(() => this.stmt('SELECT * FROM events WHERE device_id = ? ORDER BY seq DESC LIMIT ?').all(deviceId, limit) as EventRow[])
    return rows.map(toStoredEvent)
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.db.open) this.db.close()
  }

  /** Prepared once per distinct SQL text (a handful: listDevices varies only by filter shape). */
  private stmt(sql: string): Database.Statement {
    return this.q.stmt(sql)
  }

  /** Runs a statement, turning SQLite failures (busy beyond the timeout, disk full, …) into HUB_STORE_FAILED. */
  private exec<T>(fn: () => T): T {
    return this.q.exec(fn)
  }
}
