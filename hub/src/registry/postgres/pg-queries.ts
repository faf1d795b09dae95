import pg from 'pg'
import { HubError } from '../../errors.ts'

/** Runs SQL: through the pool, or inside one transaction's connection. */
export interface PgQueryable {
  /** every row */
  rows<R>(sql: string, params?: readonly unknown[]): Promise<R[]>
  /** the first row, or undefined */
  one<R>(sql: string, params?: readonly unknown[]): Promise<R | undefined>
  /** how many rows the statement changed */
  run(sql: string, params?: readonly unknown[]): Promise<number>
}

/** Options of {@link PgQueries.create}. */
export interface PgPoolOptions {
  /** connections held at most (default 10); each hub instance and CLI command has its own pool */
  poolSize?: number
  /** give up connecting after this long (default 10 000 ms) */
  connectTimeoutMs?: number
  /** tables live in this schema (created when missing); default `public` */
  schema?: string
  /** told about a connection the server dropped while idle (e.g. a PostgreSQL restart); the pool replaces it */
  onIdleError?: (err: Error) => void
}

const INT8_OID = 20
/** ms timestamps and ids are BIGINT: read them as numbers (all stay below 2^53) rather than pg's default strings */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** SQLSTATE classes and socket errors that mean "the server is not there (for us)", not "the statement failed". */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'EAI_AGAIN', 'EPIPE', '57P01', '57P02', '57P03', '53300'])

/**
 * A pg.Pool for the registry, with the errors turned into HubErrors: HUB_REGISTRY_UNREACHABLE when the
 * server cannot be reached or refuses the login (the message says what to check), HUB_STORE_FAILED for a
 * statement that fails.
 */
export class PgQueries implements PgQueryable {
  private constructor(
    private readonly pool: pg.Pool,
    /** the redacted URL, for messages */
    readonly display: string,
  ) {}

  /** Makes the pool; connects lazily (the first query connects). */
  static create(href: string, display: string, o: PgPoolOptions = {}): PgQueries {
    const pool = new pg.Pool({
      connectionString: href,
      max: o.poolSize ?? 10,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
      types: TYPES,
      application_name: 'edgefleet-hub',
      ...(o.schema ? { options: `-c search_path=${quoteIdent(o.schema)}` } : {}),
    })
    // an idle connection the server drops must not crash the process: the pool replaces it on demand
    pool.on('error', (err) => o.onIdleError?.(err))
    return new PgQueries(pool, display)
  }

  async rows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query(sql, params as unknown[])).rows as R[]
    } catch (err) {
      throw this.wrap(err)
    }
  }

  async one<R>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(sql, params))[0]
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    try {
      return (await this.pool.query(sql, params as unknown[])).rowCount ?? 0
    } catch (err) {
      throw this.wrap(err)
    }
  }

  /**
   * Runs `fn` in one transaction (READ COMMITTED; take row or advisory locks where a check and a write
   * must not interleave). A HubError thrown by `fn` rolls back and passes through unchanged.
   */
  async tx<T>(fn: (t: PgQueryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (err) {
      throw this.wrap(err)
    }
    const t: PgQueryable = {
      rows: async <R>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as R[],
      one: async <R>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows[0] as R | undefined,
      run: async (sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
    }
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await fn(t)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        // the connection itself failed: do not hand it out again
        broken = rollbackErr
      })
      throw this.wrap(err)
    } finally {
      client.release(broken)
    }
  }

  /** Closes every connection; idempotent. */
  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end()
  }

  /** A driver error as a HubError that says what to do; HubErrors pass through. */
  wrap(err: unknown): HubError {
    if (err instanceof HubError) return err
    const e = err as Error & { code?: string }
    const code = e.code ?? ''
    const at = `the PostgreSQL registry at ${this.display}`
    if (code === '28P01' || code === '28000') {
      return new HubError('HUB_REGISTRY_UNREACHABLE', `${at} refused the login (${e.message}): check the user and password in --registry-url / EDGEFLEET_REGISTRY_URL`, { cause: err })
    }
    if (code === '3D000') {
      return new HubError('HUB_REGISTRY_UNREACHABLE', `${at}: ${e.message}; create it first (e.g. \`createdb <name>\`, or CREATE DATABASE as a PostgreSQL superuser)`, { cause: err })
    }
    if (UNREACHABLE_CODES.has(code) || code.startsWith('08') || /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(e.message ?? '')) {
      return new HubError('HUB_REGISTRY_UNREACHABLE', `cannot reach ${at}: ${e.message || code}; check that PostgreSQL is running and reachable from here (host, port, firewall), then retry`, { cause: err })
    }
    return new HubError('HUB_STORE_FAILED', `${at}: ${e.message}${code ? ` (SQLSTATE ${code})` : ''}`, { cause: err })
  }
}

/** A PostgreSQL identifier, double-quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** The SQLSTATE of a unique-constraint violation (a concurrent insert of the same key). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown }).code === '23505' || ((err as { cause?: { code?: unknown } }).cause?.code === '23505')
}
