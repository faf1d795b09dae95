import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkManifestSignature } from '@edgefleet/models'
import { examples, type Desired, type Manifest, type ModelTarget, type ModelVersionView } from '@edgefleet/protocol'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'
import { GAS_SENSOR, uploadRequest } from './upload-fixture.ts'

let dataDir: string
let app: FastifyInstance
let token: string
let device: string
let v1: ModelVersionView
let onnx: Buffer

const MODEL = '/api/v1/models/gas-sensor/1.0.0/model.onnx'
const MANIFEST = '/api/v1/models/gas-sensor/1.0.0/manifest.json'

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-model-artifacts-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
  const res = await app.inject(await uploadRequest(GAS_SENSOR, token))
  expect(res.statusCode, res.body).toBe(201)
  v1 = res.json()
  onnx = await readFile(join(GAS_SENSOR, 'model.onnx'))
  device = `Basic ${Buffer.from(`pi-01:${(await app.registry.addDevice('pi-01')).secret}`).toString('base64')}`
})

afterAll(async () => {
  await app?.close()
  await rm(dataDir, { recursive: true, force: true })
})

/** Sets pi-01's desired state to these active and shadow versions of gas-sensor. */
async function desire(active: string | null, shadow: string | null = null): Promise<void> {
  const target = (version: string | null): ModelTarget | null =>
    version === null ? null : { name: 'gas-sensor', version, sha256: v1.sha256, size: v1.size, url: MODEL, manifestUrl: MANIFEST, signature: v1.signature }
  await app.registry.putDesired('pi-01', { ...(examples.desired as Desired), active: target(active), shadow: target(shadow) }, Date.now())
}

const asDevice = (o: InjectOptions & { url: string }) => app.inject({ ...o, headers: { authorization: device, ...o.headers } })

describe('model downloads', () => {
  beforeEach(async () => desire('1.0.0'))

  it('refuse a request without credentials or with wrong ones (401, naming Basic)', async () => {
    const none = await app.inject({ url: MODEL })
    expect(none.json()).toMatchObject({ statusCode: 401, code: 'HUB_UNAUTHORIZED', error: 'Unauthorized' })
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm=/)
    const wrong = await app.inject({ url: MODEL, headers: { authorization: `Basic ${Buffer.from('pi-01:nope').toString('base64')}` } })
    expect(wrong.json()).toMatchObject({ statusCode: 401, code: 'HUB_UNAUTHORIZED' })
    const unknown = await app.inject({ url: MANIFEST, headers: { authorization: `Basic ${Buffer.from('pi-99:nope').toString('base64')}` } })
    expect(unknown.json()).toMatchObject({ statusCode: 401, code: 'HUB_UNAUTHORIZED' })
    expect((await app.inject({ url: MODEL, headers: { authorization: 'Bearer ops.wrong' } })).json()).toMatchObject({ statusCode: 401 })
  })

  it('refuse a version the device\'s desired state does not name (403)', async () => {
    await desire(null)
    const res = await asDevice({ url: MODEL })
    expect(res.json()).toMatchObject({ statusCode: 403, code: 'HUB_FORBIDDEN', error: 'Forbidden' })
    expect(res.json<{ message: string }>().message).toMatch(/desired state names \(none now\).*deploy that version to it first/)
    await desire('1.0.0')
    // not registered and not desired: 403, so a device learns nothing about the registry
    expect((await asDevice({ url: '/api/v1/models/gas-sensor/2.0.0/model.onnx' })).statusCode).toBe(403)
  })

  it('serve the whole ONNX file to a device it is deployed to, with ETag and Accept-Ranges', async () => {
    const res = await asDevice({ url: MODEL })
    expect(res.statusCode).toBe(200)
    expect(res.rawPayload).toEqual(onnx)
    expect(res.headers).toMatchObject({
      'etag': `"${v1.sha256}"`, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream', 'content-length': String(onnx.length),
    })
    expect(createHash('sha256').update(res.rawPayload).digest('hex')).toBe(v1.sha256)
  })

  it('serve a shadow candidate too', async () => {
    await desire(null, '1.0.0')
    expect((await asDevice({ url: MODEL })).statusCode).toBe(200)
  })

  it('serve byte ranges (206 with Content-Range) and refuse one past the end (416)', async () => {
    const tail = await asDevice({ url: MODEL, headers: { range: 'bytes=1000-' } })
    expect(tail.statusCode).toBe(206)
    expect(tail.rawPayload).toEqual(onnx.subarray(1000))
    expect(tail.headers['content-range']).toBe(`bytes 1000-${onnx.length - 1}/${onnx.length}`)
    expect(tail.headers['content-length']).toBe(String(onnx.length - 1000))
    const middle = await asDevice({ url: MODEL, headers: { range: 'bytes=10-19' } })
    expect([middle.statusCode, middle.headers['content-range']]).toEqual([206, `bytes 10-19/${onnx.length}`])
    expect(middle.rawPayload).toEqual(onnx.subarray(10, 20))
    const past = await asDevice({ url: MODEL, headers: { range: `bytes=${onnx.length}-` } })
    expect(past.json()).toMatchObject({ statusCode: 416, code: 'HUB_RANGE_NOT_SATISFIABLE', error: 'Range Not Satisfiable' })
    expect(past.headers['content-range']).toBe(`bytes */${onnx.length}`)
    // a range for another file (If-Range with an old ETag) gets the whole current file
    const stale = await asDevice({ url: MODEL, headers: { 'range': 'bytes=10-', 'if-range': '"0000"' } })
    expect([stale.statusCode, stale.rawPayload.length]).toEqual([200, onnx.length])
  })

  it('answer HEAD with the headers and no body', async () => {
    const head = await asDevice({ method: 'HEAD', url: MODEL })
    expect([head.statusCode, head.headers['content-length'], head.headers.etag, head.rawPayload.length]).toEqual([200, String(onnx.length), `"${v1.sha256}"`, 0])
    const range = await asDevice({ method: 'HEAD', url: MODEL, headers: { range: 'bytes=0-99' } })
    expect([range.statusCode, range.headers['content-length'], range.headers['content-range']]).toEqual([206, '100', `bytes 0-99/${onnx.length}`])
    expect((await asDevice({ method: 'HEAD', url: MANIFEST })).statusCode).toBe(200)
  })

  it('serve the signed manifest, which verifies with the hub key', async () => {
    const res = await asDevice({ url: MANIFEST })
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'application/json; charset=utf-8'])
    const manifest = res.json<Manifest>()
    expect(manifest).toEqual(v1.manifest)
    expect(checkManifestSignature(manifest, manifest.signature, app.signingKeys.publicKeyPem)).toBeNull()
  })

  it('let an operator token fetch any version; unknown versions are 404', async () => {
    await desire(null)
    const bearer = { authorization: `Bearer ${token}` }
    const res = await app.inject({ url: MODEL, headers: bearer })
    expect([res.statusCode, res.rawPayload.equals(onnx)]).toEqual([200, true])
    expect((await app.inject({ url: MANIFEST, headers: bearer })).statusCode).toBe(200)
    expect((await app.inject({ url: '/api/v1/models/gas-sensor/2.0.0/model.onnx', headers: bearer })).json()).toMatchObject({ statusCode: 404, code: 'HUB_MODEL_NOT_FOUND' })
    await desire('2.0.0')
    expect((await asDevice({ url: '/api/v1/models/gas-sensor/2.0.0/manifest.json' })).json()).toMatchObject({ statusCode: 404, code: 'HUB_MODEL_NOT_FOUND' })
  })

  it('count 401 and 403 refusals in the metrics', async () => {
    const metrics = await app.metrics.registry.metrics()
    expect(metrics).toMatch(/edgefleet_model_api_refusals_total\{route="GET \/api\/v1\/models\/:name\/:version\/model.onnx",status="401"\} [1-9]/)
    expect(metrics).toMatch(/edgefleet_model_api_refusals_total\{route="GET \/api\/v1\/models\/:name\/:version\/model.onnx",status="403"\} [1-9]/)
  })
})
