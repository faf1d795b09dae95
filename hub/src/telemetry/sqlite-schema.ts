import type { Database } from 'better-sqlite3'
import { HubError } from '../errors.ts'

/** The schema version this code writes (`PRAGMA user_version`). */
export const TELEMETRY_SCHEMA_VERSION = 1

/*
 * One row per prediction. The primary key is the exactly-once key (device, message seq, position in
 * the message): `INSERT OR IGNORE` makes a redelivered message a no-op. WITHOUT ROWID clusters rows by
 * that key, so the table is one b-tree plus two indexes: (device_id, ts) for per-device ranges and
 * aggregation, (ts) for fleet-wide ranges and for retention deletes without a full scan.
 */
const SCHEMA_V1 = `
  CREATE TABLE IF NOT EXISTS predictions (
    device_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    idx         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,   -- reading time, ms since the epoch
    model       TEXT NOT NULL,
    version     TEXT NOT NULL,
    reading_id  TEXT NOT NULL,
    label       TEXT,
    class_index INTEGER,
    confidence  REAL,
    latency_ms  REAL NOT NULL,
    value       TEXT,               -- JSON array of regression outputs
    shadow      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id, seq, idx)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS predictions_device_ts ON predictions (device_id, ts);
  CREATE INDEX IF NOT EXISTS predictions_ts ON predictions (ts);
`

/** Creates the schema in a new file; refuses a file written by a newer hub. */
export function ensureTelemetrySchema(db: Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > TELEMETRY_SCHEMA_VERSION) {
    throw new HubError(
      'HUB_STORE_SCHEMA_NEWER',
      `telemetry store ${path} has schema version ${version}, newer than this hub understands (${TELEMETRY_SCHEMA_VERSION}): upgrade the hub`,
    )
  }
  if (version === TELEMETRY_SCHEMA_VERSION) return
  db.transaction(() => {
    db.exec(SCHEMA_V1)
    db.pragma(`user_version = ${TELEMETRY_SCHEMA_VERSION}`)
  }).immediate()
}

/** One aggregation bucket as the bucket query returns it (`b`: bucket number from `from`). */
export interface AggregateRow {
  b: number
  n: number
  conf: number | null
  lat: number | null
}

/** Predictions of one label in one bucket. */
export interface LabelCountRow {
  b: number
  label: string
  n: number
}
