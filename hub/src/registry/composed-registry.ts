import type { Alert, DeployEvent, Desired, JobView } from '@edgefleet/protocol'
import type { AlertPage, AlertQuery, AlertRecord, AlertStore, DueWebhookDelivery, WebhookAttempt, WebhookDeliveryRecord } from './alert-store.ts'
import type { ClaimedDevice, ClaimStore, ClaimTokenRecord, ClaimTokenSpec } from './claim-store.ts'
import type { DeploymentRecord, DeploymentStore, DesiredRecord, RolloutRow } from './deployment-store.ts'
import type { JobStore } from './job-store.ts'
import type { ModelStore, ModelVersionRecord } from './model-store.ts'
import type { DeviceRecord } from './registry-store.ts'

/** The parts of a registry that live in stores of their own, one per area. */
export interface RegistryParts {
  alerts: AlertStore
  models: ModelStore
  deployments: DeploymentStore
  jobs: JobStore
  claims: ClaimStore
}

/**
 * What every registry implementation forwards as it is to its per-area stores (alerts and their webhook
 * outbox, model versions, desired state and rollouts, retraining jobs, claim tokens): written once here,
 * so SQLite and PostgreSQL differ only in those stores and in devices, credentials and events.
 */
export abstract class ComposedRegistry {
  protected constructor(protected readonly parts: RegistryParts) {}

  addClaimToken(spec: ClaimTokenSpec, at?: number): Promise<{ token: ClaimTokenRecord; secret: string }> {
    return this.parts.claims.addClaimToken(spec, at)
  }

  getClaimToken(name: string): Promise<ClaimTokenRecord | null> {
    return this.parts.claims.getClaimToken(name)
  }

  listClaimTokens(): Promise<ClaimTokenRecord[]> {
    return this.parts.claims.listClaimTokens()
  }

  verifyClaimToken(name: string, secret: string): Promise<boolean> {
    return this.parts.claims.verifyClaimToken(name, secret)
  }

  revokeClaimToken(name: string, at: number): Promise<ClaimTokenRecord> {
    return this.parts.claims.revokeClaimToken(name, at)
  }

  findClaimedDevice(tokenName: string, serial: string): Promise<DeviceRecord | null> {
    return this.parts.claims.findClaimedDevice(tokenName, serial)
  }

  claimNewDevice(claim: { tokenName: string; serial: string; deviceId: string; tags: Record<string, string>; at: number }): Promise<ClaimedDevice> {
    return this.parts.claims.claimNewDevice(claim)
  }

  reissueClaimedDevice(tokenName: string, serial: string): Promise<ClaimedDevice> {
    return this.parts.claims.reissueClaimedDevice(tokenName, serial)
  }

  insertAlert(alert: Alert, webhookUrls?: readonly string[]): Promise<boolean> {
    return this.parts.alerts.insertAlert(alert, webhookUrls)
  }

  getAlert(id: string): Promise<AlertRecord | null> {
    return this.parts.alerts.getAlert(id)
  }

  listAlerts(query?: AlertQuery): Promise<AlertPage> {
    return this.parts.alerts.listAlerts(query)
  }

  acknowledgeAlert(id: string, ack: { by: string; note?: string | null; at?: number }): Promise<AlertRecord> {
    return this.parts.alerts.acknowledgeAlert(id, ack)
  }

  openAlerts(): Promise<Alert[]> {
    return this.parts.alerts.openAlerts()
  }

  latestAlertPerTopic(): Promise<Alert[]> {
    return this.parts.alerts.latestAlertPerTopic()
  }

  addModelVersion(record: ModelVersionRecord): Promise<void> {
    return this.parts.models.addModelVersion(record)
  }

  getModelVersion(name: string, version: string): Promise<ModelVersionRecord | null> {
    return this.parts.models.getModelVersion(name, version)
  }

  listModelVersions(name?: string): Promise<ModelVersionRecord[]> {
    return this.parts.models.listModelVersions(name)
  }

  putDesired(deviceId: string, desired: Desired, at: number): Promise<Desired> {
    return this.parts.deployments.putDesired(deviceId, desired, at)
  }

  getDesired(deviceId: string): Promise<DesiredRecord | null> {
    return this.parts.deployments.getDesired(deviceId)
  }

  listDesired(filter?: { rolloutId?: string }): Promise<DesiredRecord[]> {
    return this.parts.deployments.listDesired(filter)
  }

  recordDeployment(deviceId: string, event: DeployEvent, ts: number, at: number): Promise<DeploymentRecord> {
    return this.parts.deployments.recordDeployment(deviceId, event, ts, at)
  }

  listDeployments(filter: { deviceIds?: readonly string[]; rolloutId?: string }): Promise<DeploymentRecord[]> {
    return this.parts.deployments.listDeployments(filter)
  }

  saveRollout(row: RolloutRow): Promise<void> {
    return this.parts.deployments.saveRollout(row)
  }

  saveJob(job: JobView, at: number): Promise<void> {
    return this.parts.jobs.saveJob(job, at)
  }

  getJob(id: string): Promise<JobView | null> {
    return this.parts.jobs.getJob(id)
  }

  listJobs(filter?: { model?: string; states?: readonly string[]; limit?: number }): Promise<JobView[]> {
    return this.parts.jobs.listJobs(filter)
  }

  getRollout(id: string): Promise<RolloutRow | null> {
    return this.parts.deployments.getRollout(id)
  }

  listRollouts(filter?: { model?: string; states?: readonly string[]; limit?: number }): Promise<RolloutRow[]> {
    return this.parts.deployments.listRollouts(filter)
  }

  pruneAlerts(before: number): Promise<number> {
    return this.parts.alerts.pruneAlerts(before)
  }

  dueWebhookDeliveries(now: number, limit: number): Promise<DueWebhookDelivery[]> {
    return this.parts.alerts.dueWebhookDeliveries(now, limit)
  }

  nextWebhookDueAt(): Promise<number | null> {
    return this.parts.alerts.nextWebhookDueAt()
  }

  recordWebhookAttempt(id: number, attempt: WebhookAttempt): Promise<void> {
    return this.parts.alerts.recordWebhookAttempt(id, attempt)
  }

  listWebhookDeliveries(alertId: string): Promise<WebhookDeliveryRecord[]> {
    return this.parts.alerts.listWebhookDeliveries(alertId)
  }
}
