import { rmSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { DatasetRow, DatasetSnapshotView, DatasetSummary, LabelItem, Samples } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import { BUSY_TIMEOUT_MS, openSqlite } from '../../sqlite/open-sqlite.ts'
import { SqliteStatements } from '../../sqlite/sqlite-statements.ts'
import { datasetPaths, requireModelName, type DatasetPaths } from './dataset-paths.ts'
import { INSERT_SAMPLE_SQL, sampleParams, toDatasetRow, toSnapshotView, UPSERT_LABEL_SQL } from './dataset-rows.ts'
import type { DatasetStore, LabelsPut, RetentionApplied, SamplesPut, SnapshotFile } from './dataset-store.ts'
import { countLabelled, summarise } from './dataset-summary.ts'
import { ensureDatasetsSchema, LABELLED_SAMPLES_SQL, type LabelledSampleRow, type SnapshotRow } from './datasets-schema.ts'
import { deleteOldestSamples, samplesOverLimit } from './sample-retention.ts'
import { publishSnapshotFile, readSnapshotRows, verifySnapshotFile, writeSnapshotTemp } from './snapshot-files.ts'

/** Default retention: samples kept per model (beyond it the oldest unlabelled go first). */
export const DEFAULT_MAX_SAMPLES = 200_000
/** Default retention: snapshots kept per model (the oldest files go first). */
export const DEFAULT_MAX_SNAPSHOTS = 20

/** Options of {@link SqliteDatasets.open}. */
export interface SqliteDatasetsOptions {
  /** the hub data directory: `datasets.db` and `datasets/<model>/<n>.jsonl` go there */
  dataDir: string
  /** samples kept per model, 0 = no limit (default {@link DEFAULT_MAX_SAMPLES}) */
  maxSamples?: number
  /** snapshots kept per model, 0 = no limit (default {@link DEFAULT_MAX_SNAPSHOTS}) */
  maxSnapshots?: number
  /** told whenever retention deletes something (the hub logs it) */
  onRetention?: (applied: RetentionApplied) => void
}

const SNAPSHOT_COLUMNS = 'model, n, created_at, rows, by_class, from_ts, to_ts, sha256, reason'

/**
 * The dataset store in its own SQLite file (better-sqlite3, WAL) beside the registry, and snapshot
 * files under `datasets/`. Statements are synchronous and short; writing a snapshot reads its rows
 * through a second, read-only connection in one read transaction (a consistent view while ingest
 * goes on) and yields to the event loop between file writes.
 */
export class SqliteDatasets implements DatasetStore {
  private readonly q: SqliteStatements
  private readonly maxSamples: number
  private readonly maxSnapshots: number
  /** samples per model, counted once and then kept up to date (only this process inserts samples) */
  private readonly sampleCounts = new Map<string, number>()
  /** the read-only connection snapshots read through, opened on the first snapshot */
  private reader: SqliteStatements | undefined
  /** snapshots are written one at a time: numbering and the reader connection need it */
  private snapshotQueue: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor(
    private readonly db: Database.Database,
    private readonly paths: DatasetPaths,
    private readonly options: SqliteDatasetsOptions,
  ) {
    this.q = new SqliteStatements(db, `dataset store ${paths.db}`)
    this.maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES
    this.maxSnapshots = options.maxSnapshots ?? DEFAULT_MAX_SNAPSHOTS
  }

  /** Opens (creating directory, file and schema when missing) the dataset store, then applies retention. */
  static async open(options: SqliteDatasetsOptions): Promise<SqliteDatasets> {
    const paths = datasetPaths(options.dataDir)
    let store: SqliteDatasets
    try {
      store = openSqlite(paths.db, (db) => {
        ensureDatasetsSchema(db, paths.db)
        return new SqliteDatasets(db, paths, options)
      })
    } catch (err) {
      if (err instanceof HubError) throw err
      throw new HubError('HUB_STORE_FAILED', `cannot open the dataset store ${paths.db}: ${(err as Error).message}; check the path and its permissions`, { cause: err })
    }
    try {
      // limits lowered since the last start apply now
      const models = store.q.exec(() => store.q.stmt('SELECT model FROM samples UNION SELECT model FROM snapshots').pluck().all() as string[])
      for (const model of models) {
        store.enforceSampleLimit(model)
        store.pruneSnapshots(model)
      }
    } catch (err) {
      await store.close()
      throw err
    }
    return store
  }

  async putSamples(m: Samples, receivedAt = Date.now()): Promise<SamplesPut> {
    this.assertOpen()
    // counted before the insert, so that a first count does not include the new samples twice
    const before = this.sampleCount(m.model.name)
    const insert = this.q.stmt(INSERT_SAMPLE_SQL)
    const hasLabel = this.q.stmt('SELECT 1 FROM labels WHERE device_id = ? AND sample_id = ?').pluck()
    const result = this.q.exec(() => this.db.transaction(() => {
      const put: SamplesPut = { stored: 0, joined: 0 }
      for (const item of m.items) {
        if (insert.run(...sampleParams(m, item, receivedAt)).changes === 0) continue
        put.stored++
        if (hasLabel.get(m.deviceId, item.id) !== undefined) put.joined++
      }
      return put
    }).immediate())
    if (result.stored > 0) {
      this.sampleCounts.set(m.model.name, before + result.stored)
      this.enforceSampleLimit(m.model.name)
    }
    return result
  }

  async putLabels(items: readonly LabelItem[], receivedAt = Date.now()): Promise<LabelsPut> {
    this.assertOpen()
    const upsert = this.q.stmt(UPSERT_LABEL_SQL)
    const modelOf = this.q.stmt('SELECT model FROM samples WHERE device_id = ? AND sample_id = ?').pluck()
    return this.q.exec(() => this.db.transaction(() => {
      const put: LabelsPut = { stored: 0, awaitingSample: 0, byModel: {} }
      for (const l of items) {
        if (upsert.run(l.deviceId, l.sampleId, String(l.label), l.ts ?? receivedAt, l.source ?? null, receivedAt).changes === 0) continue
        put.stored++
        const model = modelOf.get(l.deviceId, l.sampleId) as string | undefined
        if (model === undefined) put.awaitingSample++
        else put.byModel[model] = (put.byModel[model] ?? 0) + 1
      }
      return put
    }).immediate())
  }

  async summary(model: string): Promise<DatasetSummary> {
    this.assertOpen()
    return this.q.exec(() => summarise(this.q, model))
  }

  async labelledCount(model: string, o: { since?: number } = {}): Promise<number> {
    this.assertOpen()
    return this.q.exec(() => countLabelled(this.q, model, o.since))
  }

  async createSnapshot(model: string, o: { reason: string }): Promise<DatasetSnapshotView> {
    this.assertOpen()
    requireModelName(model)
    if (o.reason.length === 0 || o.reason.length > 128) throw new HubError('HUB_USAGE', 'a snapshot reason is 1–128 characters: `manual`, or the job id')
    const run = this.snapshotQueue.then(() => this.writeSnapshot(model, o.reason))
    this.snapshotQueue = run.catch(() => {})
    return run
  }

  async listSnapshots(model: string): Promise<DatasetSnapshotView[]> {
    this.assertOpen()
    const rows = this.q.exec(() => this.q.stmt(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE model = ? ORDER BY n`).all(model) as SnapshotRow[])
    return rows.map(toSnapshotView)
  }

  async getSnapshot(model: string, snapshot: number): Promise<SnapshotFile | null> {
    this.assertOpen()
    requireModelName(model)
    const row = this.q.exec(() => this.q.stmt(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE model = ? AND n = ?`).get(model, snapshot) as SnapshotRow | undefined)
    return row ? { view: toSnapshotView(row), path: this.snapshotPath(model, row.n) } : null
  }

  async verifySnapshot(model: string, snapshot: number): Promise<SnapshotFile> {
    const found = await this.getSnapshot(model, snapshot)
    if (!found) {
      throw new HubError('HUB_SNAPSHOT_NOT_FOUND', `${model} has no snapshot ${snapshot} (never made, or deleted by retention); list them with \`edgefleet dataset snapshots ${model}\` or GET /api/v1/datasets/${model}/snapshots`)
    }
    await verifySnapshotFile(found.path, found.view.sha256, `snapshot ${snapshot} of ${model}`)
    return found
  }

  async *readSnapshot(model: string, snapshot: number): AsyncGenerator<DatasetRow> {
    const { path } = await this.verifySnapshot(model, snapshot)
    yield* readSnapshotRows(path, `snapshot ${snapshot} of ${model}`)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.snapshotQueue
    this.reader?.db.close()
    this.db.close()
  }

  private async writeSnapshot(model: string, reason: string): Promise<DatasetSnapshotView> {
    this.assertOpen()
    const dir = join(this.paths.snapshots, model)
    const reader = (this.reader ??= new SqliteStatements(openReader(this.paths.db), `dataset store ${this.paths.db} (snapshot reader)`))
    reader.db.exec('BEGIN')
    let written: Awaited<ReturnType<typeof writeSnapshotTemp>>
    try {
      // the first read fixes the transaction's view: the count and the rows below see the same moment
      if (countLabelled(reader, model) === 0) {
        throw new HubError('HUB_DATASET_EMPTY', `${model} has no labelled samples to snapshot: label some first (POST /api/v1/labels, or \`edgefleet dataset labels import <file.csv>\`)`)
      }
      const rows = reader.stmt(LABELLED_SAMPLES_SQL).iterate(model) as IterableIterator<LabelledSampleRow>
      written = await writeSnapshotTemp(dir, mapIterable(rows, toDatasetRow))
    } finally {
      // a read transaction: ending it either way releases the view
      if (reader.db.inTransaction) reader.db.exec('ROLLBACK')
    }
    const { tmpPath, contents: c } = written
    const createdAt = Date.now()
    const record = (): number => this.db.transaction(() => {
      // numbered under the write lock: another process (the CLI beside the hub) cannot take the same number
      const next = (this.q.stmt('SELECT coalesce(max(n), 0) + 1 FROM snapshots WHERE model = ?').pluck().get(model) as number)
      const path = this.snapshotPath(model, next)
      // a file already there was published by a writer that crashed before recording it: replaced
      publishSnapshotFile(tmpPath, path, dir)
      try {
        this.q.stmt(`INSERT INTO snapshots (${SNAPSHOT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(model, next, createdAt, c.rows, JSON.stringify(c.byClass), c.from, c.to, c.sha256, reason)
      } catch (err) {
        unlinkSync(path)
        throw err
      }
      return next
    }).immediate()
    let n: number
    try {
      n = this.q.exec(record)
    } catch (err) {
      // not published (the rename failed, or the lock could not be had): the temp file is garbage
      rmSync(tmpPath, { force: true })
      throw err
    }
    this.pruneSnapshots(model)
    return { model, snapshot: n, createdAt, rows: c.rows, byClass: c.byClass, from: c.from, to: c.to, sha256: c.sha256, reason }
  }

  /** Deletes the oldest snapshots beyond the limit: records first, then files (no record names a missing file). */
  private pruneSnapshots(model: string): void {
    if (this.maxSnapshots === 0) return
    const doomed = this.q.exec(() => this.db.transaction(() => {
      const ns = this.q.stmt('SELECT n FROM snapshots WHERE model = ? ORDER BY n DESC LIMIT -1 OFFSET ?').pluck().all(model, this.maxSnapshots) as number[]
      if (ns.length > 0) this.q.stmt('DELETE FROM snapshots WHERE model = ? AND n <= ?').run(model, Math.max(...ns))
      return ns.sort((a, b) => a - b)
    }).immediate())
    if (doomed.length === 0) return
    for (const n of doomed) rmSync(this.snapshotPath(model, n), { force: true })
    this.options.onRetention?.({ model, unlabelledSamples: 0, labelledSamples: 0, snapshots: doomed })
  }

  private enforceSampleLimit(model: string): void {
    const count = this.sampleCount(model)
    const excess = samplesOverLimit(count, this.maxSamples)
    if (excess === 0) return
    const deleted = this.q.exec(() => this.db.transaction(() => deleteOldestSamples(this.q, model, excess)).immediate())
    this.sampleCounts.set(model, count - deleted.unlabelled - deleted.labelled)
    this.options.onRetention?.({ model, unlabelledSamples: deleted.unlabelled, labelledSamples: deleted.labelled, snapshots: [] })
  }

  private sampleCount(model: string): number {
    let n = this.sampleCounts.get(model)
    if (n === undefined) {
      n = this.q.exec(() => this.q.stmt('SELECT count(*) FROM samples WHERE model = ?').pluck().get(model) as number)
      this.sampleCounts.set(model, n)
    }
    return n
  }

  private snapshotPath(model: string, n: number): string {
    return join(this.paths.snapshots, model, `${n}.jsonl`)
  }

  private assertOpen(): void {
    if (this.closed) throw new HubError('HUB_STORE_FAILED', `the dataset store ${this.paths.db} is closed`)
  }
}

/** A read-only connection for snapshot reads: its read transaction sees one moment while the writer goes on. */
function openReader(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  return db
}

function* mapIterable<A, B>(items: Iterable<A>, fn: (a: A) => B): Generator<B> {
  for (const item of items) yield fn(item)
}
