import type { Database } from 'better-sqlite3'
import { HubError } from '../errors.ts'

/** One schema step. Versions start at 1 and increase by one; a released migration is never edited. */
export interface Migration {
  version: number
  name: string
  sql: string
}

/** The registry schema, oldest first. Append new migrations; never edit or reorder released ones. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'devices-credentials-events-models',
    sql: `
      CREATE TABLE devices (
        id            TEXT PRIMARY KEY,
        tags          TEXT NOT NULL DEFAULT '{}',   -- JSON object of string → string
        created_at    INTEGER NOT NULL,             -- ms since the epoch, like every *_at/*_seen column
        first_seen    INTEGER,
        last_seen     INTEGER,
        online        INTEGER NOT NULL DEFAULT 0,
        model_name    TEXT,
        model_version TEXT,
        model_sha256  TEXT,
        agent_version TEXT,
        backend       TEXT,
        keepalive_s   INTEGER,
        secret_hash   TEXT NOT NULL
      ) STRICT;
      CREATE TABLE credentials (
        kind        TEXT NOT NULL CHECK (kind IN ('subscriber', 'operator')),
        name        TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        PRIMARY KEY (kind, name)
      ) STRICT;
      CREATE TABLE events (
        device_id TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        ts        INTEGER NOT NULL,
        type      TEXT NOT NULL,
        body      TEXT NOT NULL,                    -- the event object as received (JSON)
        PRIMARY KEY (device_id, seq)
      ) STRICT;
      CREATE TABLE models (
        name       TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE model_versions (
        name           TEXT NOT NULL REFERENCES models (name),
        version        TEXT NOT NULL,
        sha256         TEXT NOT NULL,
        size           INTEGER NOT NULL,
        manifest       TEXT NOT NULL,               -- JSON
        parent_version TEXT,
        created_at     INTEGER NOT NULL,
        PRIMARY KEY (name, version)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'alerts-webhook-outbox',
    sql: `
      CREATE TABLE alerts (
        seq             INTEGER PRIMARY KEY,          -- arrival order (stable: VACUUM renumbers only implicit rowids)
        id              TEXT NOT NULL UNIQUE,
        ts              INTEGER NOT NULL,
        kind            TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('raised', 'cleared')),
        severity        TEXT NOT NULL,
        model           TEXT NOT NULL,                -- model name
        version         TEXT NOT NULL,
        scope           TEXT NOT NULL CHECK (scope IN ('device', 'fleet')),
        device_id       TEXT,                         -- null for fleet alerts
        payload         TEXT NOT NULL,                -- the whole Alert (JSON), as published
        acknowledged_at INTEGER,
        acknowledged_by TEXT,
        note            TEXT,
        CHECK ((scope = 'fleet') = (device_id IS NULL))
      ) STRICT;
      -- listing newest first, and the paging cursor
      CREATE INDEX alerts_by_time ON alerts (ts DESC, seq DESC);
      -- newest per topic / per (model, version, …): open alerts, retained state, filters by model
      CREATE INDEX alerts_by_subject ON alerts (model, scope, device_id, kind, version, ts);
      CREATE INDEX alerts_by_device ON alerts (device_id, ts) WHERE device_id IS NOT NULL;
      CREATE TABLE webhook_deliveries (
        id              INTEGER PRIMARY KEY,
        alert_id        TEXT NOT NULL REFERENCES alerts (id),
        url             TEXT NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_status     INTEGER,
        last_error      TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        UNIQUE (alert_id, url)
      ) STRICT;
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
    `,
  },
  {
    version: 3,
    name: 'desired-state-deployments-rollouts',
    sql: `
      -- what the hub wants each device to run: the retained \`desired\` message as published
      CREATE TABLE device_desired (
        device_id  TEXT PRIMARY KEY,
        generation INTEGER NOT NULL,
        rollout_id TEXT,
        desired    TEXT NOT NULL,                  -- the Desired message (JSON)
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX device_desired_by_rollout ON device_desired (rollout_id) WHERE rollout_id IS NOT NULL;
      -- the newest activation step each device reported, per role (active model, shadow candidate)
      CREATE TABLE device_deployments (
        device_id  TEXT NOT NULL,
        role       TEXT NOT NULL CHECK (role IN ('active', 'shadow')),
        generation INTEGER,
        rollout_id TEXT,
        model      TEXT NOT NULL,
        version    TEXT NOT NULL,
        step       TEXT NOT NULL,
        state      TEXT NOT NULL,
        code       TEXT,
        message    TEXT,
        ts         INTEGER NOT NULL,               -- device clock, from the event message
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (device_id, role)
      ) STRICT;
      CREATE INDEX device_deployments_by_rollout ON device_deployments (rollout_id) WHERE rollout_id IS NOT NULL;
      CREATE TABLE rollouts (
        id         TEXT PRIMARY KEY,
        model      TEXT NOT NULL,
        version    TEXT NOT NULL,
        state      TEXT NOT NULL,
        body       TEXT NOT NULL,                  -- the rollout as the engine keeps it (JSON)
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX rollouts_by_model ON rollouts (model, created_at);
    `,
  },
  {
    version: 4,
    name: 'retraining-jobs',
    sql: `
      CREATE TABLE retraining_jobs (
        id         TEXT PRIMARY KEY,
        model      TEXT NOT NULL,
        state      TEXT NOT NULL,
        body       TEXT NOT NULL,                  -- the job as the API shows it (JSON)
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX retraining_jobs_by_model ON retraining_jobs (model, created_at);
      CREATE INDEX retraining_jobs_by_state ON retraining_jobs (state);
    `,
  },
  {
    version: 5,
    name: 'claim-tokens-device-revocation',
    sql: `
      -- fleet provisioning by claim: a token names a batch of devices, each claims its own identity once
      CREATE TABLE claim_tokens (
        name        TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        prefix      TEXT NOT NULL,                 -- device ids are <prefix>-<serial>
        tags        TEXT NOT NULL DEFAULT '{}',    -- JSON object given to every device it makes
        max_uses    INTEGER,                       -- null: unlimited
        uses        INTEGER NOT NULL DEFAULT 0,
        expires_at  INTEGER,
        revoked_at  INTEGER,
        created_at  INTEGER NOT NULL,
        CHECK (max_uses IS NULL OR uses <= max_uses)
      ) STRICT;
      -- a revoked device stays listed with its data, and is refused by the broker
      ALTER TABLE devices ADD COLUMN revoked_at INTEGER;
      -- the claim token that made the device and the serial it claimed with (null for \`device add\`)
      ALTER TABLE devices ADD COLUMN claim_token TEXT;
      ALTER TABLE devices ADD COLUMN serial TEXT;
      CREATE UNIQUE INDEX devices_by_claim ON devices (claim_token, serial) WHERE claim_token IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'operator-token-roles',
    sql: `
      -- each operator token has one role (viewer ⊂ operator ⊂ admin); subscribers have none. Tokens made
      -- before roles existed become admin: nobody loses access on upgrade.
      ALTER TABLE credentials ADD COLUMN role TEXT CHECK (role IS NULL OR role IN ('viewer', 'operator', 'admin'));
      UPDATE credentials SET role = 'admin' WHERE kind = 'operator';
    `,
  },
]

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0

/**
 * Brings `db` up to LATEST_SCHEMA_VERSION: every pending migration and its `schema_migrations` row in
 * one IMMEDIATE transaction, so two processes opening the same file cannot both apply it. Refuses
 * (HUB_STORE_SCHEMA_NEWER) a file migrated by a newer edgefleet rather than guess at its schema.
 * Returns the versions applied (empty when the file was up to date).
 */
export function migrate(db: Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`)
  const latest = migrations.at(-1)?.version ?? 0
  const apply = db.transaction((): number[] => {
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null }
    const current = row.version ?? 0
    if (current > latest) {
      throw new HubError(
        'HUB_STORE_SCHEMA_NEWER',
        `${file} has schema version ${current}, but this edgefleet knows versions up to ${latest}: upgrade edgefleet, or use another --data-dir`,
      )
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
    const pending = migrations.filter((m) => m.version > current)
    for (const m of pending) {
      db.exec(m.sql)
      record.run(m.version, m.name, Date.now())
    }
    return pending.map((m) => m.version)
  })
  return apply.immediate()
}
