import type { DeployEvent, Desired } from '@edgefleet/protocol'

/** A device's desired state as stored and published (retained) on its `desired` topic. */
export interface DesiredRecord {
  deviceId: string
  desired: Desired
  updatedAt: number
}

/** The newest activation step a device reported for one role (its active model, or a shadow candidate). */
export interface DeploymentRecord {
  deviceId: string
  role: 'active' | 'shadow'
  generation: number | null
  rolloutId: string | null
  model: { name: string; version: string }
  step: DeployEvent['step']
  state: DeployEvent['state']
  code: string | null
  message: string | null
  /** when the device sent it (device clock) */
  ts: number
  /** when the hub stored it */
  updatedAt: number
}

/** A rollout as stored: a few indexed fields, and the engine's own state as an opaque JSON body. */
export interface RolloutRow {
  id: string
  model: string
  version: string
  state: string
  body: unknown
  createdAt: number
  updatedAt: number
}

/** Desired state, device activation reports and rollouts (registry migration 3). */
export interface DeploymentStore {
  /**
   * Replaces a device's desired state. The stored generation is max(previous + 1, `desired.generation`),
   * so generations only increase even when the caller's clock goes back; returns what was stored.
   */
  putDesired(deviceId: string, desired: Desired, at: number): Promise<Desired>
  getDesired(deviceId: string): Promise<DesiredRecord | null>
  /** every stored desired state, or those of one rollout */
  listDesired(filter?: { rolloutId?: string }): Promise<DesiredRecord[]>
  /**
   * Keeps a deploy event when it is news: a newer generation, or the same generation with a later device
   * timestamp. Returns the stored record (the new one, or the newer one already there).
   */
  recordDeployment(deviceId: string, event: DeployEvent, ts: number, at: number): Promise<DeploymentRecord>
  /** deployments by device ids, or of one rollout */
  listDeployments(filter: { deviceIds?: readonly string[]; rolloutId?: string }): Promise<DeploymentRecord[]>
  /** Inserts or replaces a rollout. */
  saveRollout(row: RolloutRow): Promise<void>
  getRollout(id: string): Promise<RolloutRow | null>
  /** newest first; `states` filters by state */
  listRollouts(filter?: { model?: string; states?: readonly string[]; limit?: number }): Promise<RolloutRow[]>
}
