import type { OperatorRole } from '@edgefleet/protocol'
import type { CredentialInfo, CredentialKind, DeviceFilter, DeviceRecord, PresenceUpdate, RegistryStore, StoredEvent } from '../registry-store.ts'
import { ComposedRegistry } from '../composed-registry.ts'
import { PgAlerts } from './pg-alerts.ts'
import { PgClaims } from './pg-claims.ts'
import { PgCredentials } from './pg-credentials.ts'
import { PgDeployments } from './pg-deployments.ts'
import { PgDevices } from './pg-devices.ts'
import { PgJobs } from './pg-jobs.ts'
import { migratePg } from './pg-migrations.ts'
import { PgModels } from './pg-models.ts'
import { PgQueries, type PgPoolOptions } from './pg-queries.ts'
import { parseRegistryUrl } from './pg-url.ts'

/** Options of {@link PgRegistry.open}. */
export type PgRegistryOptions = PgPoolOptions

/**
 * The registry in PostgreSQL, for several stateless hub instances sharing one fleet (and the CLI beside
 * them). Same contract as SqliteRegistry (`registry.contract.test.ts`); each part lives in its own file
 * (pg-devices, pg-credentials, pg-alerts, …) and this class delegates. Checks that precede a write run
 * in transactions with row or advisory locks, so concurrent instances cannot both win.
 */
export class PgRegistry extends ComposedRegistry implements RegistryStore {
  private readonly devices: PgDevices
  private readonly credentials: PgCredentials

  private constructor(
    private readonly q: PgQueries,
    /** the URL without its password, for messages */
    readonly display: string,
  ) {
    super({ alerts: new PgAlerts(q), models: new PgModels(q), deployments: new PgDeployments(q), jobs: new PgJobs(q), claims: new PgClaims(q) })
    this.devices = new PgDevices(q)
    this.credentials = new PgCredentials(q)
  }

  /**
   * Connects to `url` (postgres://user:password@host:port/database) and migrates the schema. Throws
   * HUB_REGISTRY_URL_INVALID, HUB_REGISTRY_UNREACHABLE (server down, login refused, no such database)
   * or HUB_STORE_SCHEMA_NEWER; messages never show the password.
   */
  static async open(url: string, options: PgRegistryOptions = {}): Promise<PgRegistry> {
    const { href, display } = parseRegistryUrl(url)
    const q = PgQueries.create(href, display, options)
    try {
      await migratePg(q, options.schema ?? 'public')
    } catch (err) {
      await q.close()
      throw err
    }
    return new PgRegistry(q, display)
  }

  addDevice(id: string, tags?: Record<string, string>): Promise<{ device: DeviceRecord; secret: string }> {
    return this.devices.addDevice(id, tags)
  }

  removeDevice(id: string): Promise<boolean> {
    return this.devices.removeDevice(id)
  }

  getDevice(id: string): Promise<DeviceRecord | null> {
    return this.devices.getDevice(id)
  }

  listDevices(filter?: DeviceFilter): Promise<DeviceRecord[]> {
    return this.devices.listDevices(filter)
  }

  verifyDeviceSecret(id: string, secret: string): Promise<boolean> {
    return this.devices.verifyDeviceSecret(id, secret)
  }

  rotateDeviceSecret(id: string): Promise<string> {
    return this.devices.rotateDeviceSecret(id)
  }

  revokeDevice(id: string, at: number): Promise<DeviceRecord> {
    return this.devices.revokeDevice(id, at)
  }

  updatePresence(id: string, update: PresenceUpdate): Promise<void> {
    return this.devices.updatePresence(id, update)
  }

  markAllOffline(): Promise<void> {
    return this.devices.markAllOffline()
  }

  recordEvent(event: StoredEvent): Promise<boolean> {
    return this.devices.recordEvent(event)
  }

  listEvents(deviceId: string, limit?: number): Promise<StoredEvent[]> {
    return this.devices.listEvents(deviceId, limit)
  }

  addCredential(kind: 'subscriber', name: string): Promise<{ name: string; secret: string }>
  addCredential(kind: 'operator', name: string, role: OperatorRole): Promise<{ name: string; secret: string }>
  addCredential(kind: CredentialKind, name: string, role?: OperatorRole): Promise<{ name: string; secret: string }> {
    return this.credentials.addCredential(kind, name, role)
  }

  verifyCredential(kind: CredentialKind, name: string, secret: string): Promise<boolean> {
    return this.credentials.verifyCredential(kind, name, secret)
  }

  verifyOperatorToken(name: string, secret: string): Promise<OperatorRole | null> {
    return this.credentials.verifyOperatorToken(name, secret)
  }

  setOperatorRole(name: string, role: OperatorRole): Promise<boolean> {
    return this.credentials.setOperatorRole(name, role)
  }

  listCredentials(kind: CredentialKind): Promise<CredentialInfo[]> {
    return this.credentials.listCredentials(kind)
  }

  removeCredential(kind: CredentialKind, name: string): Promise<boolean> {
    return this.credentials.removeCredential(kind, name)
  }

  /** Closes the pool; idempotent. */
  async close(): Promise<void> {
    await this.q.close()
  }
}
