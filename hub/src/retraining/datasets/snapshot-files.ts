import { createHash, randomBytes } from 'node:crypto'
import { closeSync, createReadStream, fsyncSync, openSync, renameSync } from 'node:fs'
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { DatasetRow } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'

/** What a snapshot file holds, computed while it is written. */
export interface SnapshotContents {
  rows: number
  /** rows per true label */
  byClass: Record<string, number>
  /** the oldest and newest sample timestamps */
  from: number | null
  to: number | null
  /** sha256 of the file's bytes, lower-case hex */
  sha256: string
}

/** Lines are gathered into chunks of about this size per write. */
const CHUNK_CHARS = 1 << 20
const TEMP_PREFIX = '.snapshot-'
/** a temp file this old belongs to a writer that crashed (a live one finishes well within it) */
const STALE_TEMP_MS = 3_600_000

/**
 * Writes `rows` as JSONL to a fresh temp file in `dir` and fsyncs it. The caller publishes it with
 * {@link publishSnapshotFile} or removes it; on failure here it is removed already.
 */
export async function writeSnapshotTemp(dir: string, rows: Iterable<DatasetRow>): Promise<{ tmpPath: string; contents: SnapshotContents }> {
  await mkdir(dir, { recursive: true })
  await removeStaleTemps(dir)
  const tmpPath = join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
  const file = await open(tmpPath, 'wx', 0o644)
  const hash = createHash('sha256')
  const contents: Omit<SnapshotContents, 'byClass' | 'sha256'> = { rows: 0, from: null, to: null }
  // a Map: a label is any text, `__proto__` included
  const byClass = new Map<string, number>()
  let chunk = ''
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return
    const bytes = Buffer.from(chunk, 'utf8')
    chunk = ''
    hash.update(bytes)
    await file.write(bytes)
  }
  try {
    // a synchronous iterator held open across the awaits: the rows come from a dedicated read transaction
    for (const row of rows) {
      chunk += `${JSON.stringify(row)}\n`
      contents.rows++
      byClass.set(row.label, (byClass.get(row.label) ?? 0) + 1)
      if (contents.from === null || row.ts < contents.from) contents.from = row.ts
      if (contents.to === null || row.ts > contents.to) contents.to = row.ts
      if (chunk.length >= CHUNK_CHARS) await flush()
    }
    await flush()
    // the bytes are on disk before the rename makes the file visible under its final name
    await file.sync()
    await file.close()
  } catch (err) {
    await file.close().catch(() => {})
    await rm(tmpPath, { force: true })
    throw err
  }
  return { tmpPath, contents: { ...contents, byClass: Object.fromEntries(byClass), sha256: hash.digest('hex') } }
}

/**
 * Renames the written temp file to its final name and fsyncs the directory, so that the rename is
 * durable before the snapshot is recorded. Synchronous: it runs inside the recording transaction.
 */
export function publishSnapshotFile(tmpPath: string, finalPath: string, dir: string): void {
  renameSync(tmpPath, finalPath)
  // Windows cannot open a directory to fsync it; its renames are durable by the file system's journal
  if (process.platform === 'win32') return
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Throws HUB_DATASET_CORRUPT unless the file exists and its sha256 is `sha256`. */
export async function verifySnapshotFile(path: string, sha256: string, what: string): Promise<void> {
  let actual: string
  try {
    const hash = createHash('sha256')
    for await (const bytes of createReadStream(path)) hash.update(bytes as Buffer)
    actual = hash.digest('hex')
  } catch (cause) {
    throw new HubError('HUB_DATASET_CORRUPT', `${what}: cannot read its file ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}); restore it from a backup or make a new snapshot`, { cause })
  }
  if (actual !== sha256) {
    throw new HubError('HUB_DATASET_CORRUPT', `${what}: its file ${path} has been changed since it was written (sha256 ${actual}, recorded ${sha256}); restore it from a backup or make a new snapshot`)
  }
}

/** The rows of a snapshot file, in order. */
export async function* readSnapshotRows(path: string, what: string): AsyncGenerator<DatasetRow> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY })
  let line = 0
  try {
    for await (const text of lines) {
      line++
      if (text.length === 0) continue
      try {
        yield JSON.parse(text) as DatasetRow
      } catch (cause) {
        if (!(cause instanceof SyntaxError)) throw cause
        throw new HubError('HUB_DATASET_CORRUPT', `${what}: line ${line} of ${path} is not JSON`, { cause })
      }
    }
  } finally {
    lines.close()
  }
}

/** Removes temp files that writers which crashed left behind in `dir`. */
async function removeStaleTemps(dir: string): Promise<void> {
  const now = Date.now()
  for (const name of await readdir(dir)) {
    if (!name.startsWith(TEMP_PREFIX)) continue
    const path = join(dir, name)
    const mtime = await stat(path).then((s) => s.mtimeMs, () => now)
    if (now - mtime > STALE_TEMP_MS) await rm(path, { force: true })
  }
}
