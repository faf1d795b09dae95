import { createHash } from 'node:crypto'
import pg from 'pg'
import type { LeaderLease } from './leader-lease.ts'

/** Options of {@link PgLeaderLease}. */
export interface PgLeaderLeaseOptions {
  /** postgres:// URL (the registry's) */
  url: string
  /** instances with the same name compete for one lease (the shared-subscription group) */
  name: string
  /** how often a follower tries to take the lease, and the leader checks it still holds its connection (default 3 s) */
  retryMs?: number
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void }
}

/** First key of every edgefleet lease: 'ef' in ASCII, so our locks do not collide with another application's on the same database. */
const LOCK_NAMESPACE = 0x6566
const QUERY_TIMEOUT_MS = 5000

/**
 * A leader lease on a PostgreSQL session-level advisory lock (`pg_try_advisory_lock`), held on a
 * connection of its own. PostgreSQL releases the lock when that session ends, so a leader that is
 * killed (its TCP connection closes) or cut off is replaced at the next retry of another instance. A
 * leader that can no longer reach PostgreSQL steps down at once: after a failed check it cannot know
 * that it still holds the lock, and another instance may already lead. Between the lock's release
 * and the old leader noticing, two instances may briefly both lead (at most one check interval, when
 * the database, not the leader, lost the connection): the once-only work is idempotent for that.
 */
export class PgLeaderLease implements LeaderLease {
  readonly kind = 'postgres' as const
  private client: pg.Client | undefined
  private leading = false
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private running: Promise<void> = Promise.resolve()
  private readonly listeners = new Set<(leader: boolean) => void>()
  private readonly key: number
  private lastError = ''

  /** Does no I/O: {@link start} connects. */
  constructor(private readonly o: PgLeaderLeaseOptions) {
    // a stable 32-bit key per lease name
    this.key = createHash('sha256').update(o.name).digest().readInt32BE(0)
  }

  isLeader(): boolean {
    return this.leading
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  async start(): Promise<void> {
    await this.attempt()
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    await this.running
    this.set(false)
    const client = this.client
    this.client = undefined
    // ending the session releases the lock
    await client?.end().catch(() => {})
  }

  private attempt(): Promise<void> {
    this.running = this.running.then(() => this.step()).finally(() => {
      if (!this.closed) this.timer = setTimeout(() => void this.attempt(), this.o.retryMs ?? 3000).unref()
    })
    return this.running
  }

  private async step(): Promise<void> {
    if (this.closed) return
    try {
      const client = this.client ?? (await this.connect())
      if (this.leading) {
        // the lock lives as long as the session: a query that succeeds proves the session is the same
        await client.query('SELECT 1')
      } else {
        const r = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [LOCK_NAMESPACE, this.key])
        if (r.rows[0]?.locked === true) this.set(true)
      }
      this.lastError = ''
    } catch (err) {
      this.drop(err as Error)
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.o.url, query_timeout: QUERY_TIMEOUT_MS, connectionTimeoutMillis: QUERY_TIMEOUT_MS, keepAlive: true, application_name: `edgefleet-lease-${this.o.name}` })
    client.on('error', (err) => this.drop(err))
    try {
      await client.connect()
    } catch (err) {
      await client.end().catch(() => {})
      throw err
    }
    this.client = client
    return client
  }

  /** The session is gone or in doubt: step down and start over with a new connection at the next retry. */
  private drop(err: Error): void {
    const client = this.client
    this.client = undefined
    void client?.end().catch(() => {})
    if (this.leading) this.o.logger.warn({ lease: this.o.name, err: err.message }, 'lost the leader lease: PostgreSQL connection failed; another instance takes over')
    else if (err.message !== this.lastError) this.o.logger.warn({ lease: this.o.name, err: err.message }, 'cannot reach PostgreSQL for the leader lease; retrying')
    this.lastError = err.message
    this.set(false)
  }

  private set(leading: boolean): void {
    if (this.leading === leading) return
    this.leading = leading
    if (leading) this.o.logger.info({ lease: this.o.name }, 'this instance is the leader now')
    for (const l of this.listeners) l(leading)
  }
}
