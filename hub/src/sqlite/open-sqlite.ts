import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/** How long a writer waits for another process's lock (the CLI and a running hub share files). */
export const BUSY_TIMEOUT_MS = 5000

/**
 * Opens a SQLite file the way every hub store wants it: directory created, WAL journal, a busy
 * timeout, and synchronous=NORMAL (in WAL mode that loses no committed transaction on an application
 * crash, only on power loss). `prepare` runs migrations or schema setup; on failure the file is closed.
 */
export function openSqlite<T>(path: string, prepare: (db: Database.Database) => T): T {
  let db: Database.Database | undefined
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    db = new Database(path)
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    return prepare(db)
  } catch (err) {
    db?.close()
    throw err
  }
}
