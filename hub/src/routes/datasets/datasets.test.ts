import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatasetSnapshotList, DatasetSnapshotView, DatasetSummary } from '@edgefleet/protocol'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'
import { samplesMessage } from '../../retraining/datasets/dataset-fixtures.ts'

let dataDir: string
let app: FastifyInstance
let token: string
let announced: [string, number][]

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-dataset-routes-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
  announced = []
  app.labelArrivals.subscribe((model, count) => announced.push([model, count]))
  // as ingest stores them from devices
  await app.datasets.putSamples(samplesMessage({ items: [{ id: 's1', ts: 10, predicted: 'A' }, { id: 's2', ts: 20, predicted: 'A' }, { id: 's3', ts: 30, reason: 'drift' }] }))
})

afterEach(async () => {
  await app.close()
  await rm(dataDir, { recursive: true, force: true })
})

const call = (o: InjectOptions & { url: string }) => app.inject({ ...o, headers: { authorization: `Bearer ${token}`, ...o.headers } })
const csv = (payload: string) => call({ method: 'POST', url: '/api/v1/labels', headers: { 'content-type': 'text/csv' }, payload })

describe('dataset routes', () => {
  it('need an operator token', async () => {
    for (const [method, url] of [
      ['POST', '/api/v1/labels'], ['GET', '/api/v1/datasets/gas-sensor'], ['POST', '/api/v1/datasets/gas-sensor/snapshots'],
      ['GET', '/api/v1/datasets/gas-sensor/snapshots'], ['GET', '/api/v1/datasets/gas-sensor/snapshots/1'], ['GET', '/api/v1/datasets/gas-sensor/snapshots/1/data'],
    ] as const) {
      expect((await app.inject({ method, url })).json(), url).toMatchObject({ statusCode: 401, code: 'HUB_UNAUTHORIZED' })
    }
    expect((await app.inject({ method: 'POST', url: '/api/v1/labels', headers: { authorization: 'Bearer ops.wrong' }, payload: { items: [] } })).statusCode).toBe(401)
  })

  it('take labels as JSON, keep those whose sample has not arrived, and announce the rest per model', async () => {
    const res = await call({ method: 'POST', url: '/api/v1/labels', payload: { items: [
      { deviceId: 'pi-01', sampleId: 's1', label: 'A', ts: 100, source: 'lab' },
      { deviceId: 'pi-01', sampleId: 's2', label: 7 },
      { deviceId: 'pi-01', sampleId: 'later', label: 'B' },
    ] } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ stored: 3, awaitingSample: 1 })
    expect(announced).toEqual([['gas-sensor', 2]])
    expect((await call({ url: '/api/v1/datasets/gas-sensor' })).json()).toMatchObject({ labelled: 2, byClass: { A: 1, 7: 1 } })
    const bad = await call({ method: 'POST', url: '/api/v1/labels', payload: { items: [{ deviceId: 'a/b', sampleId: 's1', label: 'A' }] } })
    expect(bad.json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
  })

  it('take labels as CSV, and refuse a malformed line naming it, storing nothing of that upload', async () => {
    const res = await csv('device_id,sample_id,label,ts,source\r\npi-01,s1,A,100,lab\r\npi-01,"s2","B, maybe",2025-06-01T00:00:00Z,\r\n')
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ stored: 2, awaitingSample: 0 })
    expect(announced).toEqual([['gas-sensor', 2]])

    const bad = await csv('device_id,sample_id,label\npi-01,s3,C\npi-01,s3\n')
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'HUB_USAGE', message: 'CSV line 3 has 2 fields, the header 3 (device_id,sample_id,label)' })
    const quote = await csv('device_id,sample_id,label\npi-01,s3,"C\n')
    expect(quote.json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE', message: expect.stringContaining('line 2 has a quoted field that never ends') })
    expect((await csv('device_id,sample_id,label\n')).json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
    expect(((await call({ url: '/api/v1/datasets/gas-sensor' })).json() as DatasetSummary).byClass).toEqual({ A: 1, 'B, maybe': 1 })
  })

  it('refuse a labels body over 16 MiB', async () => {
    const res = await csv(`device_id,sample_id,label\n${'pi-01,s1,A\n'.repeat(1_600_000)}`)
    expect(res.json()).toMatchObject({ statusCode: 413, code: 'HUB_UPLOAD_TOO_LARGE' })
  })

  it('summarise a model, with accuracy per version', async () => {
    await call({ method: 'POST', url: '/api/v1/labels', payload: { items: [{ deviceId: 'pi-01', sampleId: 's1', label: 'A' }, { deviceId: 'pi-01', sampleId: 's2', label: 'B' }] } })
    expect((await call({ url: '/api/v1/datasets/gas-sensor' })).json()).toEqual({
      model: 'gas-sensor', samples: 3, labelled: 2, byReason: { random: 2, drift: 1 }, byClass: { A: 1, B: 1 }, oldest: 10, newest: 30,
      accuracyByVersion: [{ version: '1.0.0', labelled: 2, correct: 1, accuracy: 0.5 }],
    })
    expect((await call({ url: '/api/v1/datasets/Not_A_Model' })).json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
  })

  it('create, list and get snapshots, and serve their rows as JSONL checked against the sha256', async () => {
    const empty = await call({ method: 'POST', url: '/api/v1/datasets/gas-sensor/snapshots' })
    expect(empty.json()).toMatchObject({ statusCode: 409, code: 'HUB_DATASET_EMPTY' })
    await csv('device_id,sample_id,label\npi-01,s1,A\npi-01,s3,C\n')

    const created = await call({ method: 'POST', url: '/api/v1/datasets/gas-sensor/snapshots' })
    expect(created.statusCode, created.body).toBe(201)
    const view = created.json() as DatasetSnapshotView
    expect(view).toMatchObject({ model: 'gas-sensor', snapshot: 1, rows: 2, byClass: { A: 1, C: 1 }, from: 10, to: 30, reason: 'manual' })
    expect(((await call({ url: '/api/v1/datasets/gas-sensor/snapshots' })).json() as DatasetSnapshotList).snapshots).toEqual([view])
    expect((await call({ url: '/api/v1/datasets/gas-sensor/snapshots/1' })).json()).toEqual(view)
    expect((await call({ url: '/api/v1/datasets/gas-sensor/snapshots/2' })).json()).toMatchObject({ statusCode: 404, code: 'HUB_SNAPSHOT_NOT_FOUND' })
    expect((await call({ url: '/api/v1/datasets/gas-sensor/snapshots/0' })).json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })

    const data = await call({ url: '/api/v1/datasets/gas-sensor/snapshots/1/data' })
    expect(data.statusCode).toBe(200)
    expect(data.headers['content-type']).toBe('application/x-ndjson')
    expect(data.headers.etag).toBe(`"${view.sha256}"`)
    expect(createHash('sha256').update(data.rawPayload).digest('hex')).toBe(view.sha256)
    expect(data.body.trimEnd().split('\n').map((l) => (JSON.parse(l) as { sampleId: string; label: string })).map((r) => [r.sampleId, r.label])).toEqual([['s1', 'A'], ['s3', 'C']])
    expect((await call({ url: '/api/v1/datasets/gas-sensor/snapshots/2/data' })).json()).toMatchObject({ statusCode: 404, code: 'HUB_SNAPSHOT_NOT_FOUND' })

    writeFileSync(join(dataDir, 'datasets', 'gas-sensor', '1.jsonl'), data.body.replace('"A"', '"Z"'))
    const tampered = await call({ url: '/api/v1/datasets/gas-sensor/snapshots/1/data' })
    expect(tampered.json()).toMatchObject({ statusCode: 500, code: 'HUB_DATASET_CORRUPT', message: expect.stringContaining('1.jsonl') })
  })
})
