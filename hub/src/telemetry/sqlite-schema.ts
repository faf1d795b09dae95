import type { Database } from 'better-sqlite3'
import { HubError } from '../errors.ts'

/** The schema version this code writes (`PRAGMA user_version`). */
export const TELEMETRY_SCHEMA_VERSION = 2

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

/*
 * Drift windows (v2): one row per judged window and one per feature of it. The primary key is the
 * exactly-once key (model, device or '_fleet', version, window end, seq; -1 for the fleet), model
 * first because every query names one. `(model, ts)` serves all-scope queries newest first, `(ts)`
 * retention deletes. Features sit in their own rows so a one-feature query reads one row per window.
 */
const SCHEMA_V2 = `
  CREATE TABLE IF NOT EXISTS drift_windows (
    model       TEXT NOT NULL,
    device_id   TEXT NOT NULL,      -- '_fleet' for the fleet window
    version     TEXT NOT NULL,
    ts          INTEGER NOT NULL,   -- window end, ms since the epoch
    seq         INTEGER NOT NULL,   -- the device message's seq; -1 for the fleet
    start       INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    drift_share REAL NOT NULL,
    data_drift  INTEGER NOT NULL,
    PRIMARY KEY (model, device_id, version, ts, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS drift_windows_model_ts ON drift_windows (model, ts);
  CREATE INDEX IF NOT EXISTS drift_windows_ts ON drift_windows (ts);
  CREATE TABLE IF NOT EXISTS drift_features (
    model         TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    version       TEXT NOT NULL,
    ts            INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    feature       TEXT NOT NULL,
    idx           INTEGER NOT NULL, -- position in the model's features
    count         INTEGER NOT NULL,
    missing_rate  REAL NOT NULL,
    psi           REAL NOT NULL,
    js            REAL NOT NULL,
    ks            REAL NOT NULL,
    ks_p          REAL NOT NULL,
    wasserstein   REAL NOT NULL,
    psi_t         REAL NOT NULL,
    js_t          REAL NOT NULL,
    ks_t          REAL NOT NULL,
    wasserstein_t REAL NOT NULL,
    drifted       INTEGER NOT NULL,
    PRIMARY KEY (model, device_id, version, ts, seq, feature)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS drift_features_ts ON drift_features (ts);
`

/** Creates or upgrades the schema; refuses a file written by a newer hub. */
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
    if (version < 1) db.exec(SCHEMA_V1)
    if (version < 2) db.exec(SCHEMA_V2)
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

/** A `drift_windows` row. */
export interface DriftWindowRow {
  model: string
  device_id: string
  version: string
  ts: number
  seq: number
  start: number
  count: number
  drift_share: number
  data_drift: number
}

/** A `drift_features` row, without its window's key. */
export interface DriftFeatureRow {
  feature: string
  count: number
  missing_rate: number
  psi: number
  js: number
  ks: number
  ks_p: number
  wasserstein: number
  psi_t: number
  js_t: number
  ks_t: number
  wasserstein_t: number
  drifted: number
}
