import type { PgQueryable } from './pg-queries.ts'

/**
 * Transaction-scoped advisory locks (released at COMMIT or ROLLBACK) that serialise a check and the
 * write that depends on it across connections and hub instances, where no single row can be locked
 * (the row does not exist yet). The first key names the kind; the second is a hash of the name.
 */
export const LOCK = {
  /** device ids and subscriber names: both are MQTT usernames and must not collide */
  mqttUsername: 0x4546_5531,
  /** a device's desired state (the generation only increases) */
  desired: 0x4546_4431,
  /** a device's deployment record per role (newest event wins) */
  deployment: 0x4546_4431 + 1,
} as const

/** Waits for the lock of `kind` on `name` until the transaction ends. */
export async function lockName(t: PgQueryable, kind: number, name: string): Promise<void> {
  await t.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [kind, name])
}
