import type { Database } from 'better-sqlite3'
import { HubError } from '../../errors.ts'

/** The schema version this code writes (`PRAGMA user_version`). */
export const DATASETS_SCHEMA_VERSION = 1

/*
 * samples: one row per (device, sample id), the key labels refer to; `INSERT OR IGNORE` makes a
 * redelivery a no-op. A rowid table (not WITHOUT ROWID): rows carry up to 4096 features as JSON, and
 * retention deletes by rowid. `(model, ts)` serves every per-model query and oldest-first retention.
 * labels: one row per (device, sample id), kept whether or not the sample has arrived (the join is
 * by key, at query time), so a label that comes first is never lost.
 * snapshots: one row per immutable JSONL file `datasets/<model>/<n>.jsonl`.
 */
const SCHEMA_V1 = `
  CREATE TABLE IF NOT EXISTS samples (
    device_id       TEXT NOT NULL,
    sample_id       TEXT NOT NULL,
    model           TEXT NOT NULL,
    version         TEXT NOT NULL,   -- the model version that ran on the device
    ts              INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    features        TEXT,            -- JSON array of numbers and nulls; null for image samples
    image_ref       TEXT,
    pred_label      TEXT,
    pred_class      INTEGER,
    pred_confidence REAL,
    received_at     INTEGER NOT NULL,
    PRIMARY KEY (device_id, sample_id)
  ) STRICT;
  CREATE INDEX IF NOT EXISTS samples_model_ts ON samples (model, ts);
  CREATE TABLE IF NOT EXISTS labels (
    device_id   TEXT NOT NULL,
    sample_id   TEXT NOT NULL,
    label       TEXT NOT NULL,       -- numbers as their string
    ts          INTEGER NOT NULL,
    source      TEXT,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, sample_id)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS snapshots (
    model      TEXT NOT NULL,
    n          INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    rows       INTEGER NOT NULL,
    by_class   TEXT NOT NULL,        -- JSON object label → rows
    from_ts    INTEGER,
    to_ts      INTEGER,
    sha256     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (model, n)
  ) STRICT, WITHOUT ROWID;
`

/** Creates or upgrades the schema; refuses a file written by a newer hub. */
export function ensureDatasetsSchema(db: Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > DATASETS_SCHEMA_VERSION) {
    throw new HubError(
      'HUB_STORE_SCHEMA_NEWER',
      `dataset store ${path} has schema version ${version}, newer than this hub understands (${DATASETS_SCHEMA_VERSION}): upgrade the hub`,
    )
  }
  if (version === DATASETS_SCHEMA_VERSION) return
  db.transaction(() => {
    if (version < 1) db.exec(SCHEMA_V1)
    db.pragma(`user_version = ${DATASETS_SCHEMA_VERSION}`)
  }).immediate()
}

/** A labelled sample as the snapshot query returns it. */
export interface LabelledSampleRow {
  device_id: string
  sample_id: string
  ts: number
  reason: string
  features: string | null
  image_ref: string | null
  version: string
  pred_label: string | null
  pred_class: number | null
  pred_confidence: number | null
  label: string
  label_ts: number
  source: string | null
}

/** Every labelled sample of one model (`?` = model), in a stable order: the snapshot's rows. */
export const LABELLED_SAMPLES_SQL = `
  SELECT s.device_id, s.sample_id, s.ts, s.reason, s.features, s.image_ref, s.version,
         s.pred_label, s.pred_class, s.pred_confidence, l.label, l.ts AS label_ts, l.source
  FROM samples s JOIN labels l ON l.device_id = s.device_id AND l.sample_id = s.sample_id
  WHERE s.model = ?
  ORDER BY s.ts, s.device_id, s.sample_id`

/** A `snapshots` row. */
export interface SnapshotRow {
  model: string
  n: number
  created_at: number
  rows: number
  by_class: string
  from_ts: number | null
  to_ts: number | null
  sha256: string
  reason: string
}
