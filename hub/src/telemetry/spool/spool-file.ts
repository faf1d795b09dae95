import type Database from 'better-sqlite3'
import { openSqlite } from '../../sqlite/open-sqlite.ts'
import type { DriftWindowRecord } from '../drift-records.ts'
import type { PredictionPoint } from '../telemetry-store.ts'

/** One spooled write: the points (or drift windows) of one store call, in arrival order. */
export type SpoolEntry =
  | { readonly id: number; readonly kind: 'pred'; readonly items: PredictionPoint[] }
  | { readonly id: number; readonly kind: 'drift'; readonly items: DriftWindowRecord[] }

interface SpoolRow {
  id: number
  kind: 'pred' | 'drift'
  body: string
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS spool (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('pred', 'drift')),
  n INTEGER NOT NULL,
  body TEXT NOT NULL
)`

/**
 * The hub's telemetry spool on disk: a SQLite file (WAL, synchronous=NORMAL, like every hub store) of
 * writes the telemetry database could not take, oldest first. An append is committed before it
 * returns, so what the hub acknowledged to a device survives a hub crash; entries leave only once
 * written to the database. Counts points (predictions, drift windows), not rows.
 */
export class SpoolFile {
  /** points (predictions and drift windows) waiting */
  depth: number
  private readonly insert: Database.Statement<[string, number, string]>
  private readonly oldest: Database.Statement<[number], SpoolRow>
  private readonly remove: Database.Statement<[number]>

  private constructor(private readonly db: Database.Database) {
    this.insert = db.prepare('INSERT INTO spool (kind, n, body) VALUES (?, ?, ?)')
    this.oldest = db.prepare('SELECT id, kind, body FROM spool ORDER BY id LIMIT ?')
    this.remove = db.prepare('DELETE FROM spool WHERE id = ?')
    this.depth = (db.prepare('SELECT COALESCE(SUM(n), 0) AS n FROM spool').get() as { n: number }).n
  }

  /** Opens (or creates) the spool file at `path`. */
  static open(path: string): SpoolFile {
    return openSqlite(path, (db) => {
      db.exec(SCHEMA)
      return new SpoolFile(db)
    })
  }

  /** Appends one write; durable (committed) when it returns. */
  append(kind: 'pred', items: readonly PredictionPoint[]): void
  append(kind: 'drift', items: readonly DriftWindowRecord[]): void
  append(kind: 'pred' | 'drift', items: readonly unknown[]): void {
    this.insert.run(kind, items.length, JSON.stringify(items))
    this.depth += items.length
  }

  /** The oldest `limit` entries, oldest first. */
  peek(limit: number): SpoolEntry[] {
    return this.oldest.all(limit).map((r) => ({ id: r.id, kind: r.kind, items: JSON.parse(r.body) as never }))
  }

  /** Removes an entry written to the database. */
  delete(entry: SpoolEntry): void {
    if (this.remove.run(entry.id).changes > 0) this.depth -= entry.items.length
  }

  close(): void {
    this.db.close()
  }
}
