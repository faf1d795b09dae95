import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { DatasetRow } from '@edgefleet/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { label, samplesMessage } from './dataset-fixtures.ts'
import type { DatasetStore, RetentionApplied } from './dataset-store.ts'
import { SqliteDatasets } from './sqlite-datasets.ts'

/** An implementation under test: stores opened on one data directory, again and again, and cleanup. */
interface DatasetHarness {
  dataDir: string
  open(o?: { maxSamples?: number; maxSnapshots?: number; onRetention?: (r: RetentionApplied) => void }): Promise<DatasetStore>
  /** runs SQL on the store's file behind its back (to simulate damage) */
  raw(sql: string): void
  destroy(): Promise<void>
}

async function sqliteHarness(): Promise<DatasetHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ef-datasets-'))
  const opened: DatasetStore[] = []
  return {
    dataDir,
    open: async (o = {}) => {
      const store = await SqliteDatasets.open({ dataDir, ...o })
      opened.push(store)
      return store
    },
    raw: (sql) => {
      const db = new Database(join(dataDir, 'datasets.db'))
      try {
        db.exec(sql)
      } finally {
        db.close()
      }
    },
    destroy: async () => {
      for (const store of opened) await store.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

const collect = async (rows: AsyncIterable<DatasetRow>): Promise<DatasetRow[]> => {
  const out: DatasetRow[] = []
  for await (const row of rows) out.push(row)
  return out
}

describe.each([['sqlite', sqliteHarness]] as const)('DatasetStore contract: %s', (_name, createHarness) => {
  let h: DatasetHarness
  let store: DatasetStore

  beforeEach(async () => {
    h = await createHarness()
    store = await h.open()
  })
  afterEach(async () => {
    await h.destroy()
  })

  describe('samples and labels', () => {
    it('stores a redelivered samples or labels message once', async () => {
      const m = samplesMessage({ items: [{ id: 's1', ts: 100, predicted: 'A' }, { id: 's2', ts: 200, reason: 'low-confidence' }] })
      expect(await store.putSamples(m)).toEqual({ stored: 2, joined: 0 })
      expect(await store.putSamples(m)).toEqual({ stored: 0, joined: 0 })
      const labels = [label('s1', 'A', 1000)]
      expect(await store.putLabels(labels)).toEqual({ stored: 1, awaitingSample: 0, byModel: { 'gas-sensor': 1 } })
      expect(await store.putLabels(labels)).toEqual({ stored: 0, awaitingSample: 0, byModel: {} })
      expect(await store.summary('gas-sensor')).toMatchObject({
        samples: 2, labelled: 1, byReason: { random: 1, 'low-confidence': 1 }, byClass: { A: 1 }, oldest: 100, newest: 200,
      })
    })

    it('keeps a label that arrives before its sample and joins it when the sample comes', async () => {
      expect(await store.putLabels([label('s1', 'Toluene', 50)])).toEqual({ stored: 1, awaitingSample: 1, byModel: {} })
      expect(await store.labelledCount('gas-sensor')).toBe(0)
      // the same sample id from another device is another sample
      await store.putSamples(samplesMessage({ deviceId: 'pi-02', items: [{ id: 's1', ts: 10 }] }))
      expect(await store.labelledCount('gas-sensor')).toBe(0)
      expect(await store.putSamples(samplesMessage({ items: [{ id: 's1', ts: 10 }] }))).toEqual({ stored: 1, joined: 1 })
      expect(await store.summary('gas-sensor')).toMatchObject({ samples: 2, labelled: 1, byClass: { Toluene: 1 } })
    })

    it('replaces a label by a newer one only; a tie or an older label changes nothing', async () => {
      await store.putSamples(samplesMessage({ items: [{ id: 's1', ts: 10 }] }))
      await store.putLabels([label('s1', 'A', 100)])
      expect((await store.putLabels([label('s1', 'B', 200, 'pi-01', 'lab')])).stored).toBe(1)
      expect((await store.putLabels([label('s1', 'C', 150)])).stored).toBe(0)
      expect((await store.putLabels([label('s1', 'D', 200)])).stored).toBe(0)
      expect((await store.summary('gas-sensor')).byClass).toEqual({ B: 1 })
      const snap = await store.createSnapshot('gas-sensor', { reason: 'manual' })
      expect(await collect(store.readSnapshot('gas-sensor', snap.snapshot))).toMatchObject([{ label: 'B', labelTs: 200, labelSource: 'lab' }])
    })

    it('stores numeric labels as their string, and a label without ts dated when received', async () => {
      await store.putSamples(samplesMessage({ items: [{ id: 's1', ts: 10, classIndex: 3 }] }))
      await store.putLabels([{ deviceId: 'pi-01', sampleId: 's1', label: 3 }], 5000)
      expect(await store.summary('gas-sensor')).toMatchObject({ byClass: { 3: 1 }, accuracyByVersion: [{ version: '1.0.0', labelled: 1, correct: 1, accuracy: 1 }] })
      const snap = await store.createSnapshot('gas-sensor', { reason: 'manual' })
      expect(await collect(store.readSnapshot('gas-sensor', snap.snapshot))).toMatchObject([{ label: '3', labelTs: 5000 }])
    })

    it('stores a sample whose feature count differs from earlier ones (the trainer checks the manifest)', async () => {
      await store.putSamples(samplesMessage({ items: [{ id: 's1', ts: 10, features: [1, 2] }] }))
      expect((await store.putSamples(samplesMessage({ items: [{ id: 's2', ts: 20, features: [1, 2, 3, null] }] }))).stored).toBe(1)
      expect((await store.summary('gas-sensor')).samples).toBe(2)
    })

    it('measures accuracy per version on its labelled samples, versions in semver order', async () => {
      await store.putSamples(samplesMessage({ version: '1.10.0', items: [{ id: 'a1', ts: 1, predicted: 'A' }, { id: 'a2', ts: 2, predicted: 'B' }] }))
      await store.putSamples(samplesMessage({ version: '1.2.0', items: [
        { id: 'b1', ts: 3, predicted: 'A' }, { id: 'b2', ts: 4, predicted: 'A' }, { id: 'b3', ts: 5, predicted: 'B' }, { id: 'b4', ts: 6, predicted: 'A' }, { id: 'b5', ts: 7 },
      ] }))
      await store.putSamples(samplesMessage({ version: '1.3.0', items: [{ id: 'c1', ts: 8, predicted: 'A' }] }))
      await store.putLabels([label('a1', 'A', 10), label('a2', 'B', 10), label('b1', 'A', 10), label('b2', 'B', 10), label('b3', 'B', 10), label('b5', 'A', 10)])
      const s = await store.summary('gas-sensor')
      expect(s.accuracyByVersion).toEqual([
        // b4 has no label, b5 no prediction: neither counts
        { version: '1.2.0', labelled: 3, correct: 2, accuracy: 2 / 3 },
        { version: '1.3.0', labelled: 0, correct: 0, accuracy: null },
        { version: '1.10.0', labelled: 2, correct: 2, accuracy: 1 },
      ])
      expect(s).toMatchObject({ samples: 8, labelled: 6, byClass: { A: 3, B: 3 } })
      expect(await store.summary('other-model')).toEqual({
        model: 'other-model', samples: 0, labelled: 0, byReason: {}, byClass: {}, oldest: null, newest: null, accuracyByVersion: [],
      })
    })

    it('counts samples that became labelled since a time: the later of label and sample arrival', async () => {
      await store.putSamples(samplesMessage({ items: [{ id: 's1', ts: 1 }, { id: 's2', ts: 2 }] }), 1000)
      await store.putLabels([label('s1', 'A', 5), label('s3', 'A', 5)], 2000)
      await store.putLabels([label('s2', 'B', 5)], 3000)
      await store.putSamples(samplesMessage({ items: [{ id: 's3', ts: 3 }] }), 4000)
      expect(await store.labelledCount('gas-sensor')).toBe(3)
      expect(await store.labelledCount('gas-sensor', { since: 2500 })).toBe(2)
      expect(await store.labelledCount('gas-sensor', { since: 3500 })).toBe(1)
      expect(await store.labelledCount('gas-sensor', { since: 4001 })).toBe(0)
    })
  })

  describe('snapshots', () => {
    const seed = async (): Promise<void> => {
      await store.putSamples(samplesMessage({ items: [{ id: 's2', ts: 20, predicted: 'B', features: [2.5, null] }, { id: 's1', ts: 10, predicted: 'A' }, { id: 's3', ts: 30 }] }))
      await store.putLabels([label('s1', 'A', 100, 'pi-01', 'lab'), label('s2', 'A', 100)])
    }

    it('writes every labelled sample as JSONL, numbered per model, with its sha256', async () => {
      await seed()
      const view = await store.createSnapshot('gas-sensor', { reason: 'manual' })
      expect(view).toMatchObject({ model: 'gas-sensor', snapshot: 1, rows: 2, byClass: { A: 2 }, from: 10, to: 20, reason: 'manual' })
      const found = await store.getSnapshot('gas-sensor', 1)
      expect(found?.path).toBe(join(h.dataDir, 'datasets', 'gas-sensor', '1.jsonl'))
      const bytes = readFileSync(found!.path)
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(view.sha256)
      expect(bytes.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
        { deviceId: 'pi-01', sampleId: 's1', ts: 10, reason: 'random', features: [10, 1], imageRef: null, label: 'A', labelTs: 100, labelSource: 'lab', prediction: { version: '1.0.0', label: 'A', classIndex: null, confidence: 0.5 } },
        { deviceId: 'pi-01', sampleId: 's2', ts: 20, reason: 'random', features: [2.5, null], imageRef: null, label: 'A', labelTs: 100, labelSource: null, prediction: { version: '1.0.0', label: 'B', classIndex: null, confidence: 0.5 } },
      ])
      expect((await store.createSnapshot('gas-sensor', { reason: 'job-7' })).snapshot).toBe(2)
      expect((await store.listSnapshots('gas-sensor')).map((s) => [s.snapshot, s.reason])).toEqual([[1, 'manual'], [2, 'job-7']])
      expect(await store.getSnapshot('gas-sensor', 3)).toBeNull()
    })

    it('are immutable: later labels change only later snapshots', async () => {
      await seed()
      const first = await store.createSnapshot('gas-sensor', { reason: 'manual' })
      await store.putLabels([label('s3', 'C', 100), label('s1', 'Z', 200)])
      const second = await store.createSnapshot('gas-sensor', { reason: 'manual' })
      expect(second).toMatchObject({ snapshot: 2, rows: 3, byClass: { Z: 1, A: 1, C: 1 } })
      expect((await collect(store.readSnapshot('gas-sensor', 1))).map((r) => [r.sampleId, r.label])).toEqual([['s1', 'A'], ['s2', 'A']])
      expect((await store.getSnapshot('gas-sensor', 1))?.view).toEqual(first)
    })

    it('refuse an empty dataset', async () => {
      await store.putSamples(samplesMessage({ items: [{ id: 's1', ts: 10 }] }))
      await expect(store.createSnapshot('gas-sensor', { reason: 'manual' })).rejects.toMatchObject({ code: 'HUB_DATASET_EMPTY', message: expect.stringContaining('no labelled samples') })
      expect(existsSync(join(h.dataDir, 'datasets', 'gas-sensor', '1.jsonl'))).toBe(false)
      await expect(store.createSnapshot('../etc', { reason: 'manual' })).rejects.toMatchObject({ code: 'HUB_USAGE' })
    })

    it('check the sha256 before reading: a changed or missing file is an error naming it', async () => {
      await seed()
      await store.createSnapshot('gas-sensor', { reason: 'manual' })
      const { path } = (await store.getSnapshot('gas-sensor', 1))!
      writeFileSync(path, readFileSync(path, 'utf8').replace('"A"', '"B"'))
      await expect(collect(store.readSnapshot('gas-sensor', 1))).rejects.toMatchObject({ code: 'HUB_DATASET_CORRUPT', message: expect.stringContaining(path) })
      await expect(store.verifySnapshot('gas-sensor', 1)).rejects.toMatchObject({ code: 'HUB_DATASET_CORRUPT' })
      await rm(path)
      await expect(collect(store.readSnapshot('gas-sensor', 1))).rejects.toMatchObject({ code: 'HUB_DATASET_CORRUPT', message: expect.stringContaining('ENOENT') })
      await expect(collect(store.readSnapshot('gas-sensor', 9))).rejects.toMatchObject({ code: 'HUB_SNAPSHOT_NOT_FOUND' })
    })

    it('never leave a half snapshot: a failed write leaves no file and no record; what a crash left is replaced', async () => {
      await seed()
      const dir = join(h.dataDir, 'datasets', 'gas-sensor')
      // a row that cannot be written, discovered after the first row was
      h.raw("UPDATE samples SET features = '[1,' WHERE sample_id = 's2'")
      await expect(store.createSnapshot('gas-sensor', { reason: 'manual' })).rejects.toThrow()
      expect(readdirSync(dir)).toEqual([])
      expect(await store.listSnapshots('gas-sensor')).toEqual([])

      h.raw("UPDATE samples SET features = '[2]' WHERE sample_id = 's2'")
      // a crash after the rename but before the record, and a crashed writer's temp file from long ago
      writeFileSync(join(dir, '1.jsonl'), '{"half":')
      mkdirSync(dir, { recursive: true })
      const stale = join(dir, '.snapshot-1-dead.tmp')
      writeFileSync(stale, '{"half":')
      utimesSync(stale, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000))
      const view = await store.createSnapshot('gas-sensor', { reason: 'manual' })
      expect(view.snapshot).toBe(1)
      expect(readdirSync(dir)).toEqual(['1.jsonl'])
      expect(await collect(store.readSnapshot('gas-sensor', 1))).toHaveLength(2)
    })

    it('see one moment while ingest goes on: what is stored during the write is in the next one', async () => {
      const features = Array.from({ length: 200 }, (_, i) => i / 7)
      const items = Array.from({ length: 2000 }, (_, i) => ({ id: `s${i}`, ts: i, features }))
      for (let i = 0; i < items.length; i += 1000) await store.putSamples(samplesMessage({ items: items.slice(i, i + 1000) }))
      await store.putLabels(items.map((it) => label(it.id, 'A', 1)))
      let settled = false
      const writing = store.createSnapshot('gas-sensor', { reason: 'manual' }).finally(() => (settled = true))
      let added = 0
      // the file is written in ~1 MiB chunks, yielding between them: labelled samples arrive meanwhile
      while (!settled) {
        await new Promise((r) => setImmediate(r))
        await store.putLabels([label(`late${added}`, 'B', 1)])
        await store.putSamples(samplesMessage({ items: [{ id: `late${added}`, ts: 5000 + added }] }))
        added++
      }
      expect(added).toBeGreaterThan(1)
      expect(await writing).toMatchObject({ rows: 2000, byClass: { A: 2000 } })
      expect((await collect(store.readSnapshot('gas-sensor', 1))).length).toBe(2000)
      expect(await store.createSnapshot('gas-sensor', { reason: 'manual' })).toMatchObject({ rows: 2000 + added, byClass: { A: 2000, B: added } })
    })

    it('are written one at a time when asked for at once', async () => {
      await seed()
      const views = await Promise.all([1, 2, 3].map(() => store.createSnapshot('gas-sensor', { reason: 'manual' })))
      expect(views.map((v) => v.snapshot).sort()).toEqual([1, 2, 3])
      expect(new Set(views.map((v) => v.sha256)).size).toBe(1)
    })
  })

  describe('retention', () => {
    it('deletes the oldest unlabelled samples first, then the oldest labelled ones with their labels', async () => {
      const applied: RetentionApplied[] = []
      store = await h.open({ maxSamples: 4, onRetention: (r) => applied.push(r) })
      await store.putSamples(samplesMessage({ items: [{ id: 'l1', ts: 1 }, { id: 'u1', ts: 2 }, { id: 'l2', ts: 3 }, { id: 'u2', ts: 4 }] }))
      await store.putLabels([label('l1', 'A', 9), label('l2', 'B', 9)])
      expect(applied).toEqual([])
      await store.putSamples(samplesMessage({ seq: 2, items: [{ id: 'u3', ts: 5 }] }))
      expect(applied).toEqual([{ model: 'gas-sensor', unlabelledSamples: 1, labelledSamples: 0, snapshots: [] }])
      // labels that came first: these samples arrive labelled
      await store.putLabels([label('n1', 'N', 9), label('n2', 'N', 9), label('n3', 'N', 9)])
      await store.putSamples(samplesMessage({ seq: 3, items: [{ id: 'n1', ts: 6 }, { id: 'n2', ts: 7 }, { id: 'n3', ts: 8 }] }))
      // 7 samples for 4 places: u2, u3 (unlabelled), then l1 (the oldest labelled)
      expect(applied[1]).toEqual({ model: 'gas-sensor', unlabelledSamples: 2, labelledSamples: 1, snapshots: [] })
      expect(await store.summary('gas-sensor')).toMatchObject({ samples: 4, labelled: 4, byClass: { B: 1, N: 3 }, oldest: 3 })
      // l1's label went with it: the same label is new again
      expect(await store.putLabels([label('l1', 'A', 9)])).toEqual({ stored: 1, awaitingSample: 1, byModel: {} })
    })

    it('keeps the newest snapshots, deleting older files and records', async () => {
      const applied: RetentionApplied[] = []
      store = await h.open({ maxSnapshots: 2, onRetention: (r) => applied.push(r) })
      await store.putSamples(samplesMessage({ items: [{ id: 's1', ts: 1 }] }))
      await store.putLabels([label('s1', 'A', 9)])
      for (let i = 0; i < 3; i++) await store.createSnapshot('gas-sensor', { reason: 'manual' })
      expect((await store.listSnapshots('gas-sensor')).map((s) => s.snapshot)).toEqual([2, 3])
      expect(readdirSync(join(h.dataDir, 'datasets', 'gas-sensor')).sort()).toEqual(['2.jsonl', '3.jsonl'])
      expect(applied).toEqual([{ model: 'gas-sensor', unlabelledSamples: 0, labelledSamples: 0, snapshots: [1] }])
      // numbers are never reused
      expect((await store.createSnapshot('gas-sensor', { reason: 'manual' })).snapshot).toBe(4)
    })

    it('applies lowered limits when the store is opened again', async () => {
      await store.putSamples(samplesMessage({ items: Array.from({ length: 8 }, (_, i) => ({ id: `s${i}`, ts: i })) }))
      await store.close()
      const applied: RetentionApplied[] = []
      store = await h.open({ maxSamples: 5, onRetention: (r) => applied.push(r) })
      expect(applied).toEqual([{ model: 'gas-sensor', unlabelledSamples: 3, labelledSamples: 0, snapshots: [] }])
      expect(await store.summary('gas-sensor')).toMatchObject({ samples: 5, oldest: 3 })
    })
  })
})
