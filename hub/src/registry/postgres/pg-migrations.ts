import { HubError } from '../../errors.ts'
import type { Migration } from '../migrations.ts'
import { quoteIdent, type PgQueries } from './pg-queries.ts'

/**
 * The registry schema for PostgreSQL, oldest first: the same versions and names as the SQLite
 * migrations (../migrations.ts), so both record the same `schema_migrations` and a test checks they
 * stay in step. Times are BIGINT ms since the epoch; JSON stays TEXT, stored exactly as given (a
 * webhook body is signed over those bytes). Append new migrations; never edit released ones.
 */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'devices-credentials-events-models',
    sql: `
      CREATE TABLE devices (
        id            TEXT PRIMARY KEY,
        tags          TEXT NOT NULL DEFAULT '{}',
        created_at    BIGINT NOT NULL,
        first_seen    BIGINT,
        last_seen     BIGINT,
        online        BOOLEAN NOT NULL DEFAULT FALSE,
        model_name    TEXT,
        model_version TEXT,
        model_sha256  TEXT,
        agent_version TEXT,
        backend       TEXT,
        keepalive_s   INTEGER,
        secret_hash   TEXT NOT NULL
      );
      CREATE TABLE credentials (
        kind        TEXT NOT NULL CHECK (kind IN ('subscriber', 'operator')),
        name        TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at  BIGINT NOT NULL,
        PRIMARY KEY (kind, name)
      );
      CREATE TABLE events (
        device_id TEXT NOT NULL,
        seq       BIGINT NOT NULL,
        ts        BIGINT NOT NULL,
        type      TEXT NOT NULL,
        body      TEXT NOT NULL,
        PRIMARY KEY (device_id, seq)
      );
      CREATE TABLE models (
        name       TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE model_versions (
        name           TEXT NOT NULL REFERENCES models (name),
        version        TEXT NOT NULL,
        sha256         TEXT NOT NULL,
        size           BIGINT NOT NULL,
        manifest       TEXT NOT NULL,
        parent_version TEXT,
        created_at     BIGINT NOT NULL,
        PRIMARY KEY (name, version)
      );
    `,
  },
  {
    version: 2,
    name: 'alerts-webhook-outbox',
    sql: `
      CREATE TABLE alerts (
        seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- arrival order
        id              TEXT NOT NULL UNIQUE,
        ts              BIGINT NOT NULL,
        kind            TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('raised', 'cleared')),
        severity        TEXT NOT NULL,
        model           TEXT NOT NULL,
        version         TEXT NOT NULL,
        scope           TEXT NOT NULL CHECK (scope IN ('device', 'fleet')),
        device_id       TEXT,
        payload         TEXT NOT NULL,
        acknowledged_at BIGINT,
        acknowledged_by TEXT,
        note            TEXT,
        CHECK ((scope = 'fleet') = (device_id IS NULL))
      );
      CREATE INDEX alerts_by_time ON alerts (ts DESC, seq DESC);
      CREATE INDEX alerts_by_subject ON alerts (model, scope, device_id, kind, version, ts);
      CREATE INDEX alerts_by_device ON alerts (device_id, ts) WHERE device_id IS NOT NULL;
      CREATE TABLE webhook_deliveries (
        id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        alert_id        TEXT NOT NULL REFERENCES alerts (id),
        url             TEXT NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        last_status     INTEGER,
        last_error      TEXT,
        created_at      BIGINT NOT NULL,
        updated_at      BIGINT NOT NULL,
        UNIQUE (alert_id, url)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
    `,
  },
  {
    version: 3,
    name: 'desired-state-deployments-rollouts',
    sql: `
      CREATE TABLE device_desired (
        device_id  TEXT PRIMARY KEY,
        generation BIGINT NOT NULL,
        rollout_id TEXT,
        desired    TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX device_desired_by_rollout ON device_desired (rollout_id) WHERE rollout_id IS NOT NULL;
      CREATE TABLE device_deployments (
        device_id  TEXT NOT NULL,
        role       TEXT NOT NULL CHECK (role IN ('active', 'shadow')),
        generation BIGINT,
        rollout_id TEXT,
        model      TEXT NOT NULL,
        version    TEXT NOT NULL,
        step       TEXT NOT NULL,
        state      TEXT NOT NULL,
        code       TEXT,
        message    TEXT,
        ts         BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (device_id, role)
      );
      CREATE INDEX device_deployments_by_rollout ON device_deployments (rollout_id) WHERE rollout_id IS NOT NULL;
      CREATE TABLE rollouts (
        id         TEXT PRIMARY KEY,
        model      TEXT NOT NULL,
        version    TEXT NOT NULL,
        state      TEXT NOT NULL,
        body       TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
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
        body       TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX retraining_jobs_by_model ON retraining_jobs (model, created_at);
      CREATE INDEX retraining_jobs_by_state ON retraining_jobs (state);
    `,
  },
  {
    version: 5,
    name: 'claim-tokens-device-revocation',
    sql: `
      CREATE TABLE claim_tokens (
        name        TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        prefix      TEXT NOT NULL,
        tags        TEXT NOT NULL DEFAULT '{}',
        max_uses    INTEGER,
        uses        INTEGER NOT NULL DEFAULT 0,
        expires_at  BIGINT,
        revoked_at  BIGINT,
        created_at  BIGINT NOT NULL,
        CHECK (max_uses IS NULL OR uses <= max_uses)
      );
      ALTER TABLE devices ADD COLUMN revoked_at BIGINT;
      ALTER TABLE devices ADD COLUMN claim_token TEXT;
      ALTER TABLE devices ADD COLUMN serial TEXT;
      CREATE UNIQUE INDEX devices_by_claim ON devices (claim_token, serial) WHERE claim_token IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'operator-token-roles',
    sql: `
      ALTER TABLE credentials ADD COLUMN role TEXT CHECK (role IS NULL OR role IN ('viewer', 'operator', 'admin'));
      UPDATE credentials SET role = 'admin' WHERE kind = 'operator';
    `,
  },
]

/** Advisory lock key (pg_advisory_xact_lock's first int) of registry migrations; the second is the schema's hash. */
const MIGRATION_LOCK = 0x4546_4d31

/**
 * Brings the registry database up to the newest PG migration: every pending migration and its
 * `schema_migrations` row in one transaction, under a transaction-scoped advisory lock so that hub
 * instances starting at once apply each step once (the others wait, then find nothing to do). Refuses
 * (HUB_STORE_SCHEMA_NEWER) a database migrated by a newer edgefleet. Returns the versions applied.
 */
export async function migratePg(q: PgQueries, schema: string, migrations: readonly Migration[] = PG_MIGRATIONS): Promise<number[]> {
  const latest = migrations.at(-1)?.version ?? 0
  return q.tx(async (t) => {
    await t.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema])
    if (schema !== 'public') await t.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
    await t.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`)
    const current = (await t.one<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations'))?.version ?? 0
    if (current > latest) {
      throw new HubError(
        'HUB_STORE_SCHEMA_NEWER',
        `the registry at ${q.display} has schema version ${current}, but this edgefleet knows versions up to ${latest}: upgrade edgefleet, or point --registry-url at another database`,
      )
    }
    const pending = migrations.filter((m) => m.version > current)
    for (const m of pending) {
      await t.run(m.sql)
      await t.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()])
    }
    return pending.map((m) => m.version)
  })
}
