import type Database from 'better-sqlite3'
import { HubError } from '../errors.ts'

/**
 * Prepared statements of one SQLite handle, prepared once per distinct SQL text, and a runner that
 * turns SQLite failures (busy beyond the timeout, disk full, …) into HUB_STORE_FAILED.
 */
export class SqliteStatements {
  private readonly cache = new Map<string, Database.Statement>()

  constructor(
    readonly db: Database.Database,
    /** what the file is, for messages: e.g. `registry /var/lib/edgefleet/registry.db` */
    private readonly label: string,
  ) {}

  stmt(sql: string): Database.Statement {
    let statement = this.cache.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.cache.set(sql, statement)
    }
    return statement
  }

  exec<T>(fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      if (err instanceof HubError) throw err
      throw new HubError('HUB_STORE_FAILED', `${this.label}: ${(err as Error).message}`, { cause: err })
    }
  }
}
