import type { DeviceRecord, PresenceUpdate, StoredEvent } from './registry-store.ts'

/** A `devices` row as better-sqlite3 returns it. */
export interface DeviceRow {
  id: string
  tags: string
  created_at: number
  first_seen: number | null
  last_seen: number | null
  online: number
  model_name: string | null
  model_version: string | null
  model_sha256: string | null
  agent_version: string | null
  backend: string | null
  keepalive_s: number | null
  revoked_at: number | null
  claim_token: string | null
  serial: string | null
}

/** An `events` row. */
export interface EventRow {
  device_id: string
  seq: number
  ts: number
  type: string
  body: string
}

/** Columns of `devices` that map to a DeviceRecord (never the secret hash). */
export const DEVICE_COLUMNS =
  'id, tags, created_at, first_seen, last_seen, online, model_name, model_version, model_sha256, agent_version, backend, keepalive_s, revoked_at, claim_token, serial'

/** Maps a `devices` row to the store's record. */
export function toDeviceRecord(row: DeviceRow): DeviceRecord {
  const model =
    row.model_name !== null && row.model_version !== null && row.model_sha256 !== null
      ? { name: row.model_name, version: row.model_version, sha256: row.model_sha256 }
      : null
  return {
    id: row.id,
    tags: JSON.parse(row.tags) as Record<string, string>,
    createdAt: row.created_at,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    online: row.online === 1,
    model,
    agentVersion: row.agent_version,
    backend: row.backend,
    keepaliveS: row.keepalive_s,
    revokedAt: row.revoked_at,
    claim: row.claim_token !== null && row.serial !== null ? { token: row.claim_token, serial: row.serial } : null,
  }
}

/** Maps an `events` row to the store's event. */
export function toStoredEvent(row: EventRow): StoredEvent {
  return { deviceId: row.device_id, seq: row.seq, ts: row.ts, type: row.type, event: JSON.parse(row.body) as Record<string, unknown> }
}

/** Presence update: undefined fields keep their column (COALESCE), `model: null` clears the model. */
export const UPDATE_PRESENCE_SQL = `UPDATE devices SET online = @online, last_seen = @at, first_seen = COALESCE(first_seen, @at),
    agent_version = COALESCE(@agentVersion, agent_version), backend = COALESCE(@backend, backend),
    keepalive_s = COALESCE(@keepaliveS, keepalive_s),
    model_name = CASE WHEN @setModel THEN @modelName ELSE model_name END,
    model_version = CASE WHEN @setModel THEN @modelVersion ELSE model_version END,
    model_sha256 = CASE WHEN @setModel THEN @modelSha256 ELSE model_sha256 END
  WHERE id = @id`

/** Named parameters for UPDATE_PRESENCE_SQL (better-sqlite3 binds no booleans or undefined). */
export function presenceParams(id: string, u: PresenceUpdate): Record<string, string | number | null> {
  return {
    id,
    online: u.online ? 1 : 0,
    at: u.at,
    agentVersion: u.agentVersion ?? null,
    backend: u.backend ?? null,
    keepaliveS: u.keepaliveS ?? null,
    setModel: u.model === undefined ? 0 : 1,
    modelName: u.model?.name ?? null,
    modelVersion: u.model?.version ?? null,
    modelSha256: u.model?.sha256 ?? null,
  }
}
