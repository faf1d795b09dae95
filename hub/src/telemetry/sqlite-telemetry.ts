import { setImmediate as nextTurn } from 'node:timers/promises'
import type Database from 'better-sqlite3'
import { HubError } from '../errors.ts'
import { openSqlite } from '../sqlite/open-sqlite.ts'
import { checkDriftQuery, checkDriftWindows } from './drift-record-checks.ts'
import type { DriftWindowQuery, DriftWindowRecord } from './drift-records.ts'
import { SqliteDriftTables } from './sqlite-drift.ts'
import { ensureTelemetrySchema, type AggregateRow, type LabelCountRow } from './sqlite-schema.ts'
import {
  checkBucketWidth, checkPredictionPoints, checkRetentionDays, checkTimeRange, closedError, retentionCutoff,
} from './telemetry-checks.ts'
import type { PredictionBucket, PredictionPoint, PredictionQuery, TelemetryStore, TimeRange } from './telemetry-store.ts'

/** Options of {@link SqliteTelemetry.open}. */
export interface SqliteTelemetryOptions {
  /** how often expired rows are deleted once a retention is set, ms (default one hour) */
  retentionCheckMs?: number
  /** called when a scheduled retention delete fails (default: ignored; the next run retries) */
  onError?: (err: unknown) => void
}

const HOUR_MS = 3_600_000
/** rows per retention-delete transaction, so a large purge never holds the event loop for long */
const DELETE_CHUNK = 10_000
/** every table with a `ts` column that retention applies to */
const TIMED_TABLES = ['predictions', 'drift_windows', 'drift_features'] as const

const INSERT_SQL = `INSERT OR IGNORE INTO predictions
  (device_id, seq, idx, ts, model, version, reading_id, label, class_index, confidence, latency_ms, value, shadow)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

/**
 * The embedded telemetry store: one SQLite file (better-sqlite3, WAL). Each `writePredictions` call
 * is one transaction of `INSERT OR IGNORE`s keyed by (device, seq, index), so a resent message
 * changes nothing. Statements are synchronous; only retention deletes yield between chunks.
 */
export class SqliteTelemetry implements TelemetryStore {
  readonly kind = 'sqlite'
  private readonly statements = new Map<string, Database.Statement>()
  private readonly insertMany: (groups: readonly (readonly PredictionPoint[])[], cutoff: number | null) => void
  private readonly drift: SqliteDriftTables
  /** writes waiting for the next group commit, with their callers */
  private pending: { points: readonly PredictionPoint[]; resolve: () => void; reject: (err: unknown) => void }[] = []
  private flushScheduled = false
  private retentionDays = 0
  private timer: NodeJS.Timeout | undefined
  private purging: Promise<void> | undefined
  private closed = false

  private constructor(
    private readonly db: Database.Database,
    /** the file, for messages */
    readonly path: string,
    private readonly options: SqliteTelemetryOptions,
  ) {
    this.drift = new SqliteDriftTables(db, (sql) => this.stmt(sql))
    const insert = db.prepare(INSERT_SQL)
    this.insertMany = db.transaction((groups: readonly (readonly PredictionPoint[])[], cutoff: number | null) => {
      for (const p of groups.flat()) {
        // an expired point would only be deleted by the next purge: InfluxDB refuses it too
        if (cutoff !== null && p.ts < cutoff) continue
        insert.run(
          p.deviceId, p.seq, p.index, p.ts, p.model, p.version, p.readingId,
          p.label || null, p.classIndex ?? null, p.confidence ?? null, p.latencyMs,
          p.value === undefined ? null : JSON.stringify(p.value), p.shadow ? 1 : 0,
        )
      }
    })
  }

  /** Opens (creating directory, file and schema when missing) the telemetry store at `path`. */
  static async open(path: string, options: SqliteTelemetryOptions = {}): Promise<SqliteTelemetry> {
    try {
      return openSqlite(path, (db) => {
        ensureTelemetrySchema(db, path)
        return new SqliteTelemetry(db, path, options)
      })
    } catch (err) {
      if (err instanceof HubError) throw err
      throw new HubError('HUB_TELEMETRY_UNAVAILABLE', `cannot open the telemetry store ${path}: ${(err as Error).message}; check the path and its permissions`, { cause: err })
    }
  }

  /**
   * Group commit: every write that arrives in the same turn of the event loop goes into one
   * transaction, and each caller's promise resolves when that transaction has committed. One commit
   * per message cost ~55 % of the hub's ingest time (bench/RESULTS.md, Hub ingest).
   */
  async writePredictions(points: readonly PredictionPoint[]): Promise<void> {
    this.assertOpen()
    checkPredictionPoints(points)
    if (points.length === 0) return
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ points, resolve, reject })
      if (!this.flushScheduled) {
        this.flushScheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  private flush(): void {
    this.flushScheduled = false
    const batch = this.pending
    this.pending = []
    if (batch.length === 0) return
    try {
      this.insertMany(batch.map((b) => b.points), retentionCutoff(this.retentionDays))
      for (const b of batch) b.resolve()
    } catch (err) {
      for (const b of batch) b.reject(err)
    }
  }

  async countPredictions(q: PredictionQuery = {}): Promise<number> {
    this.assertOpen()
    checkTimeRange(q, 'countPredictions')
    const where: string[] = []
    const params: (string | number)[] = []
    const add = (clause: string, value: string | number | undefined): void => {
      if (value === undefined) return
      where.push(clause)
      params.push(value)
    }
    add('device_id = ?', q.deviceId)
    add('model = ?', q.model)
    add('ts >= ?', q.from)
    add('ts < ?', q.to)
    const sql = `SELECT count(*) AS n FROM predictions${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`
    return (this.stmt(sql).get(...params) as { n: number }).n
  }

  /** Buckets start at `from` and every `everyMs` after it; only buckets with predictions are returned. */
  async aggregatePredictions(q: TimeRange & { deviceId: string; everyMs: number }): Promise<PredictionBucket[]> {
    this.assertOpen()
    checkTimeRange(q, 'aggregatePredictions')
    checkBucketWidth(q.everyMs)
    const range = 'FROM predictions WHERE device_id = @device AND ts >= @from AND ts < @to'
    // bound as BigInt so that SQLite divides integers (JS numbers bind as REAL)
    const params = { device: q.deviceId, from: BigInt(q.from), to: BigInt(q.to), every: BigInt(q.everyMs) }
    const bucket = '(ts - @from) / @every AS b'
    const rows = this.stmt(`SELECT ${bucket}, count(*) AS n, avg(confidence) AS conf, avg(latency_ms) AS lat
      ${range} GROUP BY b ORDER BY b`).all(params) as AggregateRow[]
    const labelRows = this.stmt(`SELECT ${bucket}, label, count(*) AS n
      ${range} AND label IS NOT NULL GROUP BY b, label ORDER BY b, label`).all(params) as LabelCountRow[]
    const labels = new Map<number, [string, number][]>()
    for (const r of labelRows) {
      const list = labels.get(r.b) ?? []
      list.push([r.label, r.n])
      labels.set(r.b, list)
    }
    return rows.map((r) => ({
      t: q.from + r.b * q.everyMs,
      count: r.n,
      meanConfidence: r.conf,
      meanLatencyMs: r.lat,
      labels: Object.fromEntries(labels.get(r.b) ?? []),
    }))
  }

  /** One transaction per call; drift windows are few (one per device window), so no group commit. */
  async writeDriftWindows(records: readonly DriftWindowRecord[]): Promise<void> {
    this.assertOpen()
    checkDriftWindows(records)
    if (records.length > 0) this.drift.write(records, retentionCutoff(this.retentionDays))
  }

  async queryDriftWindows(q: DriftWindowQuery): Promise<DriftWindowRecord[]> {
    this.assertOpen()
    const limit = checkDriftQuery(q)
    return this.drift.query(q, limit)
  }

  async setRetention(days: number): Promise<void> {
    this.assertOpen()
    checkRetentionDays(days)
    this.retentionDays = days
    clearInterval(this.timer)
    this.timer = undefined
    if (days === 0) return
    await this.purge()
    this.timer = setInterval(() => {
      this.purge().catch((err: unknown) => this.options.onError?.(err))
    }, this.options.retentionCheckMs ?? HOUR_MS)
    this.timer.unref()
  }

  /** Waits for a running retention delete, then closes the file. A second call does nothing. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.flush()
    clearInterval(this.timer)
    this.timer = undefined
    await this.purging?.catch(() => {})
    this.db.close()
  }

  /** Deletes expired rows of every table in chunks (one purge at a time). */
  private purge(): Promise<void> {
    this.purging ??= this.deleteExpired().finally(() => {
      this.purging = undefined
    })
    return this.purging
  }

  private async deleteExpired(): Promise<void> {
    for (const table of TIMED_TABLES) await this.deleteExpiredFrom(table)
  }

  private async deleteExpiredFrom(table: (typeof TIMED_TABLES)[number]): Promise<void> {
    const boundary = this.stmt(`SELECT ts FROM ${table} WHERE ts < ? ORDER BY ts LIMIT 1 OFFSET ?`)
    const del = this.stmt(`DELETE FROM ${table} WHERE ts < ?`)
    while (!this.closed) {
      // read each round: a setRetention during a long purge applies to the rest of it
      const cutoff = retentionCutoff(this.retentionDays)
      if (cutoff === null) return
      // the ts of the CHUNK-th oldest expired row: delete up to it, then let other work run
      const row = boundary.get(cutoff, DELETE_CHUNK - 1) as { ts: number } | undefined
      del.run(row ? row.ts + 1 : cutoff)
      if (!row) return
      await nextTurn()
    }
  }

  private assertOpen(): void {
    if (this.closed) throw closedError(this.kind)
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.statements.set(sql, s)
    }
    return s
  }
}
