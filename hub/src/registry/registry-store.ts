import type { OperatorRole } from '@edgefleet/protocol'
import type { AlertStore } from './alert-store.ts'
import type { ClaimStore } from './claim-store.ts'
import type { DeploymentStore } from './deployment-store.ts'
import type { JobStore } from './job-store.ts'
import type { ModelStore } from './model-store.ts'

/**
 * The hub's registry: devices and their credentials, subscriber and operator credentials, device
 * events, alerts and their webhook outbox (./alert-store.ts), and (later issues) models, versions and
 * rollouts. One interface; SQLite is the default implementation (`sqlite-registry.ts`), PostgreSQL
 * arrives with the scale-out issue, and both pass `registry.contract.test.ts`. Every method is async
 * so that network-backed stores fit.
 */

/** The model a device reports it is running. */
export interface DeviceModel {
  name: string
  version: string
  sha256: string
}

export interface DeviceRecord {
  id: string
  tags: Record<string, string>
  /** ms since the epoch */
  createdAt: number
  firstSeen: number | null
  lastSeen: number | null
  online: boolean
  model: DeviceModel | null
  agentVersion: string | null
  backend: string | null
  /** the MQTT keepalive the device connected with, seconds */
  keepaliveS: number | null
  /** when an operator revoked the device (ms since the epoch): the broker refuses it; null while it may connect */
  revokedAt: number | null
  /** the claim token that made the device and the serial it claimed with; null for devices added by `device add` */
  claim: { token: string; serial: string } | null
}

export interface DeviceFilter {
  /** every tag must match */
  tags?: Record<string, string>
  online?: boolean
}

/** What the hub learns from a device's status message or its connection. */
export interface PresenceUpdate {
  online: boolean
  at: number
  agentVersion?: string
  backend?: string
  model?: DeviceModel | null
  keepaliveS?: number
}

/** A device event as stored: the protocol's DeviceEvent `event` object, with its device and seq. */
export interface StoredEvent {
  deviceId: string
  seq: number
  ts: number
  type: string
  /** the event object as received (JSON) */
  event: Record<string, unknown>
}

export type CredentialKind = 'subscriber' | 'operator'

/** A credential as listed (never its secret). */
export interface CredentialInfo {
  name: string
  /** ms since the epoch */
  createdAt: number
  /** operator tokens only */
  role?: OperatorRole
}

export interface RegistryStore extends AlertStore, ModelStore, DeploymentStore, JobStore, ClaimStore {
  /** Creates a device with a fresh random secret; the secret is returned once and only its hash kept. Throws HUB_DEVICE_EXISTS. */
  addDevice(id: string, tags?: Record<string, string>): Promise<{ device: DeviceRecord; secret: string }>
  /** true when it existed */
  removeDevice(id: string): Promise<boolean>
  getDevice(id: string): Promise<DeviceRecord | null>
  listDevices(filter?: DeviceFilter): Promise<DeviceRecord[]>
  /** constant-time check against the stored hash; false for unknown devices */
  verifyDeviceSecret(id: string, secret: string): Promise<boolean>
  /** Replaces the secret (rotation); returns the new one. Throws HUB_DEVICE_NOT_FOUND. */
  rotateDeviceSecret(id: string): Promise<string>
  /**
   * Marks the device revoked (kept, with its data; its secret stops working: verifyDeviceSecret is
   * false). Revoking again keeps the first time. Throws HUB_DEVICE_NOT_FOUND.
   */
  revokeDevice(id: string, at: number): Promise<DeviceRecord>
  updatePresence(id: string, update: PresenceUpdate): Promise<void>
  /** marks every device offline (hub start: nobody is connected yet) */
  markAllOffline(at: number): Promise<void>

  /**
   * Subscriber (alert readers) and operator (API) credentials: a name and a secret shown once. An operator
   * token has one role, always given (no silent default here; the CLI picks one). Throws HUB_CREDENTIAL_EXISTS.
   */
  addCredential(kind: 'subscriber', name: string): Promise<{ name: string; secret: string }>
  addCredential(kind: 'operator', name: string, role: OperatorRole): Promise<{ name: string; secret: string }>
  verifyCredential(kind: CredentialKind, name: string, secret: string): Promise<boolean>
  /** An operator token's role when name and secret match (same cost as verifyCredential); null otherwise. */
  verifyOperatorToken(name: string, secret: string): Promise<OperatorRole | null>
  /** Gives an operator token another role, effective on its next request (the secret stays); false when there is no such token. */
  setOperatorRole(name: string, role: OperatorRole): Promise<boolean>
  /** Ordered by name; operator tokens carry their role. */
  listCredentials(kind: CredentialKind): Promise<CredentialInfo[]>
  removeCredential(kind: CredentialKind, name: string): Promise<boolean>

  /** Stores an event once: false when (deviceId, seq) was already stored. */
  recordEvent(event: StoredEvent): Promise<boolean>
  listEvents(deviceId: string, limit?: number): Promise<StoredEvent[]>

  close(): Promise<void>
}
