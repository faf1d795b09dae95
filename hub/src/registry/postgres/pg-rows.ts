import type { DeviceRecord, PresenceUpdate, StoredEvent } from '../registry-store.ts'
import { toDeviceRecord, toStoredEvent, type DeviceRow, type EventRow } from '../sqlite-rows.ts'

/** A `devices` row as pg returns it: like SQLite's, but `online` is a real boolean. */
export type PgDeviceRow = Omit<DeviceRow, 'online'> & { online: boolean }

/** Columns of `devices` that map to a DeviceRecord (never the secret hash). */
export { DEVICE_COLUMNS } from '../sqlite-rows.ts'

/** Maps a `devices` row to the store's record (the same mapping as SQLite's). */
export function toPgDeviceRecord(row: PgDeviceRow): DeviceRecord {
  return toDeviceRecord({ ...row, online: row.online ? 1 : 0 })
}

/** Maps an `events` row to the store's event. */
export function toPgStoredEvent(row: EventRow): StoredEvent {
  return toStoredEvent(row)
}

/** Presence update: undefined fields keep their column (COALESCE), `model: null` clears the model. */
export const PG_UPDATE_PRESENCE_SQL = `UPDATE devices SET online = $2, last_seen = $3, first_seen = COALESCE(first_seen, $3),
    agent_version = COALESCE($4, agent_version), backend = COALESCE($5, backend), keepalive_s = COALESCE($6, keepalive_s),
    model_name = CASE WHEN $7 THEN $8 ELSE model_name END,
    model_version = CASE WHEN $7 THEN $9 ELSE model_version END,
    model_sha256 = CASE WHEN $7 THEN $10 ELSE model_sha256 END
  WHERE id = $1`

/** Positional parameters of PG_UPDATE_PRESENCE_SQL. */
export function pgPresenceParams(id: string, u: PresenceUpdate): unknown[] {
  return [
    id, u.online, u.at, u.agentVersion ?? null, u.backend ?? null, u.keepaliveS ?? null,
    u.model !== undefined, u.model?.name ?? null, u.model?.version ?? null, u.model?.sha256 ?? null,
  ]
}
