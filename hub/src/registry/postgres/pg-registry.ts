import type { Alert, DeployEvent, Desired, JobView, OperatorRole } from '@edgefleet/protocol'
import type { AlertPage, AlertQuery, AlertRecord, DueWebhookDelivery, WebhookAttempt, WebhookDeliveryRecord } from '../alert-store.ts'
import type { ClaimedDevice, ClaimTokenRecord, ClaimTokenSpec } from '../claim-store.ts'
import type { DeploymentRecord, DesiredRecord, RolloutRow } from '../deployment-store.ts'
import type { ModelVersionRecord } from '../model-store.ts'
import type { CredentialInfo, CredentialKind, DeviceFilter, DeviceRecord, PresenceUpdate, RegistryStore, StoredEvent } from '../registry-store.ts'
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
export class PgRegistry implements RegistryStore {
  private readonly devices: PgDevices
  private readonly credentials: PgCredentials
  private readonly alerts: PgAlerts
  private readonly models: PgModels
  private readonly deployments: PgDeployments
  private readonly jobs: PgJobs
  private readonly claims: PgClaims

  private constructor(
    private readonly q: PgQueries,
    /** the URL without its password, for messages */
    readonly display: string,
  ) {
    this.devices = new PgDevices(q)
    this.credentials = new PgCredentials(q)
    this.alerts = new PgAlerts(q)
    this.models = new PgModels(q)
    this.deployments = new PgDeployments(q)
    this.jobs = new PgJobs(q)
    this.claims = new PgClaims(q)
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

  addClaimToken(spec: ClaimTokenSpec, at?: number): Promise<{ token: ClaimTokenRecord; secret: string }> {
    return this.claims.addClaimToken(spec, at)
  }

  getClaimToken(name: string): Promise<ClaimTokenRecord | null> {
    return this.claims.getClaimToken(name)
  }

  listClaimTokens(): Promise<ClaimTokenRecord[]> {
    return this.claims.listClaimTokens()
  }

  verifyClaimToken(name: string, secret: string): Promise<boolean> {
    return this.claims.verifyClaimToken(name, secret)
  }

  revokeClaimToken(name: string, at: number): Promise<ClaimTokenRecord> {
    return this.claims.revokeClaimToken(name, at)
  }

  findClaimedDevice(tokenName: string, serial: string): Promise<DeviceRecord | null> {
    return this.claims.findClaimedDevice(tokenName, serial)
  }

  claimNewDevice(claim: { tokenName: string; serial: string; deviceId: string; tags: Record<string, string>; at: number }): Promise<ClaimedDevice> {
    return this.claims.claimNewDevice(claim)
  }

  reissueClaimedDevice(tokenName: string, serial: string): Promise<ClaimedDevice> {
    return this.claims.reissueClaimedDevice(tokenName, serial)
  }

  insertAlert(alert: Alert, webhookUrls?: readonly string[]): Promise<boolean> {
    return this.alerts.insertAlert(alert, webhookUrls)
  }

  getAlert(id: string): Promise<AlertRecord | null> {
    return this.alerts.getAlert(id)
  }

  listAlerts(query?: AlertQuery): Promise<AlertPage> {
    return this.alerts.listAlerts(query)
  }

  acknowledgeAlert(id: string, ack: { by: string; note?: string | null; at?: number }): Promise<AlertRecord> {
    return this.alerts.acknowledgeAlert(id, ack)
  }

  openAlerts(): Promise<Alert[]> {
    return this.alerts.openAlerts()
  }

  latestAlertPerTopic(): Promise<Alert[]> {
    return this.alerts.latestAlertPerTopic()
  }

  pruneAlerts(before: number): Promise<number> {
    return this.alerts.pruneAlerts(before)
  }

  dueWebhookDeliveries(now: number, limit: number): Promise<DueWebhookDelivery[]> {
    return this.alerts.dueWebhookDeliveries(now, limit)
  }

  nextWebhookDueAt(): Promise<number | null> {
    return this.alerts.nextWebhookDueAt()
  }

  recordWebhookAttempt(id: number, attempt: WebhookAttempt): Promise<void> {
    return this.alerts.recordWebhookAttempt(id, attempt)
  }

  listWebhookDeliveries(alertId: string): Promise<WebhookDeliveryRecord[]> {
    return this.alerts.listWebhookDeliveries(alertId)
  }

  addModelVersion(record: ModelVersionRecord): Promise<void> {
    return this.models.addModelVersion(record)
  }

  getModelVersion(name: string, version: string): Promise<ModelVersionRecord | null> {
    return this.models.getModelVersion(name, version)
  }

  listModelVersions(name?: string): Promise<ModelVersionRecord[]> {
    return this.models.listModelVersions(name)
  }

  putDesired(deviceId: string, desired: Desired, at: number): Promise<Desired> {
    return this.deployments.putDesired(deviceId, desired, at)
  }

  getDesired(deviceId: string): Promise<DesiredRecord | null> {
    return this.deployments.getDesired(deviceId)
  }

  listDesired(filter?: { rolloutId?: string }): Promise<DesiredRecord[]> {
    return this.deployments.listDesired(filter)
  }

  recordDeployment(deviceId: string, event: DeployEvent, ts: number, at: number): Promise<DeploymentRecord> {
    return this.deployments.recordDeployment(deviceId, event, ts, at)
  }

  listDeployments(filter: { deviceIds?: readonly string[]; rolloutId?: string }): Promise<DeploymentRecord[]> {
    return this.deployments.listDeployments(filter)
  }

  saveRollout(row: RolloutRow): Promise<void> {
    return this.deployments.saveRollout(row)
  }

  getRollout(id: string): Promise<RolloutRow | null> {
    return this.deployments.getRollout(id)
  }

  listRollouts(filter?: { model?: string; states?: readonly string[]; limit?: number }): Promise<RolloutRow[]> {
    return this.deployments.listRollouts(filter)
  }

  saveJob(job: JobView, at: number): Promise<void> {
    return this.jobs.saveJob(job, at)
  }

  getJob(id: string): Promise<JobView | null> {
    return this.jobs.getJob(id)
  }

  listJobs(filter?: { model?: string; states?: readonly string[]; limit?: number }): Promise<JobView[]> {
    return this.jobs.listJobs(filter)
  }

  /** Closes the pool; idempotent. */
  async close(): Promise<void> {
    await this.q.close()
  }
}
