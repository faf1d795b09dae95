import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkManifestSignature } from '@edgefleet/models'
import type { ModelVersionList, ModelVersionView } from '@edgefleet/protocol'
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'
import { HubMetrics } from '../../metrics.ts'
import { routeAuthPlugin } from '../../plugins/route-auth.ts'
import { signingPlugin } from '../../plugins/signing.ts'
import { storesPlugin } from '../../plugins/stores.ts'
import { modelRoutes } from './index.ts'
import { GAS_SENSOR, packageVariant, uploadRequest } from './upload-fixture.ts'

let dataDir: string
let app: FastifyInstance
let token: string
let uploaded: ModelVersionView

// one hub for the whole file: every accepted upload loads the model and runs its self-test
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-model-routes-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
  const res = await app.inject(await uploadRequest(GAS_SENSOR, token, { modelFilename: 'anything.onnx' }))
  expect(res.statusCode, res.body).toBe(201)
  uploaded = res.json()
})

afterAll(async () => {
  await app?.close()
  await rm(dataDir, { recursive: true, force: true })
})

const call = (o: InjectOptions & { url: string }) => app.inject({ ...o, headers: { authorization: `Bearer ${token}`, ...o.headers } })

describe('POST /api/v1/models', () => {
  it('registers the package: signed manifest, ONNX file stored by digest, the upload directory removed', async () => {
    expect(uploaded).toMatchObject({ name: 'gas-sensor', version: '1.0.0', parentVersion: null, lineage: { ancestors: [], children: [] } })
    expect(uploaded.artifacts).toEqual({ model: '/api/v1/models/gas-sensor/1.0.0/model.onnx', manifest: '/api/v1/models/gas-sensor/1.0.0/manifest.json' })
    expect(checkManifestSignature(uploaded.manifest, uploaded.manifest.signature, app.signingKeys.publicKeyPem)).toBeNull()
    expect(uploaded.signature).toEqual(uploaded.manifest.signature)
    expect(await readFile(join(dataDir, 'models', `${uploaded.sha256}.onnx`))).toEqual(await readFile(join(GAS_SENSOR, 'model.onnx')))
    expect(await readdir(join(dataDir, 'uploads'))).toEqual([])
  })

  it('refuses a repeated version with 409, naming the step', async () => {
    const res = await app.inject(await uploadRequest(GAS_SENSOR, token))
    expect(res.json()).toMatchObject({ statusCode: 409, code: 'HUB_MODEL_VERSION_EXISTS', error: 'Conflict' })
    expect(res.json<{ message: string }>().message).toMatch(/check-version.*gas-sensor@1\.0\.0 is registered already/)
  })

  it('refuses an older version with 409', async () => {
    const older = await packageVariant(dataDir, 'older', (m) => void (m.version = '0.9.0'))
    expect((await app.inject(await uploadRequest(older, token))).json()).toMatchObject({ statusCode: 409, code: 'HUB_MODEL_VERSION_NOT_NEWER' })
  })

  it('refuses a flipped byte in the ONNX file at verify-digest, without naming hub paths', async () => {
    const flipped = await packageVariant(dataDir, 'flipped', (m, onnx) => {
      m.version = '1.2.0'
      onnx[onnx.length - 10] = onnx[onnx.length - 10]! ^ 0xff
      return onnx
    })
    const body = (await app.inject(await uploadRequest(flipped, token))).json<{ message: string }>()
    expect(body).toMatchObject({ statusCode: 400, code: 'HUB_MODEL_INVALID' })
    expect(body.message).toMatch(/^push the uploaded package failed at step verify-digest: model\.onnx has sha256 [0-9a-f]{64} but the manifest says/)
    expect(body.message).not.toContain(dataDir)
  })

  it('refuses a package that fails its self-test', async () => {
    const broken = await packageVariant(dataDir, 'broken', (m) => {
      m.version = '1.3.0'
      const first = Object.values(m.selfTest.vectors[0]!.expected)[0]!
      if (first.kind === 'values') first.values = first.values.map((v) => v + 0.5)
    })
    const body = (await app.inject(await uploadRequest(broken, token))).json<{ message: string }>()
    expect(body).toMatchObject({ statusCode: 400, code: 'HUB_MODEL_INVALID' })
    expect(body.message).toMatch(/step self-test/)
  })

  it('refuses malformed uploads with HUB_USAGE saying what to send', async () => {
    const json = await call({ method: 'POST', url: '/api/v1/models', payload: { manifest: {} } })
    expect(json.json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
    expect(json.json<{ message: string }>().message).toMatch(/multipart\/form-data with two file parts/)
    const form = (parts: string) => ({
      method: 'POST' as const, url: '/api/v1/models',
      headers: { 'content-type': 'multipart/form-data; boundary=X' },
      payload: `${parts}--X--\r\n`,
    })
    const part = (name: string, filename?: string) => `--X\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n{}\r\n`
    for (const [what, body] of [
      ['missing model part', part('manifest', 'manifest.json')],
      ['unknown part', part('weights', 'w.onnx')],
      ['a plain field', part('manifest')],
      ['a duplicate', part('manifest', 'a.json') + part('manifest', 'b.json')],
      ['three parts', part('manifest', 'manifest.json') + part('model', 'model.onnx') + part('model', 'again.onnx')],
    ] as const) {
      expect((await call(form(body))).json(), what).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
    }
    expect(await readdir(join(dataDir, 'uploads'))).toEqual([])
  })

  it('needs an operator token, refusing before the body is read', async () => {
    const res = await app.inject(await uploadRequest(GAS_SENSOR, 'ops.wrong'))
    expect(res.json()).toMatchObject({ statusCode: 401, code: 'HUB_UNAUTHORIZED' })
  })
})

describe('GET /api/v1/models', () => {
  it('lists versions, filtered by name, with lineage in the view', async () => {
    const child = await packageVariant(dataDir, 'child', (m) => {
      m.version = '1.1.0'
      m.training.parent = { name: 'gas-sensor', version: '1.0.0' }
    })
    expect((await app.inject(await uploadRequest(child, token))).statusCode).toBe(201)
    const list = (await call({ url: '/api/v1/models' })).json<ModelVersionList>()
    expect(list.versions.map((v) => [v.name, v.version, v.parentVersion])).toEqual([['gas-sensor', '1.0.0', null], ['gas-sensor', '1.1.0', '1.0.0']])
    expect(list.versions[0]).not.toHaveProperty('manifest')
    expect((await call({ url: '/api/v1/models?name=gas-sensor' })).json<ModelVersionList>().versions).toHaveLength(2)
    expect((await call({ url: '/api/v1/models?name=ultraface' })).json()).toEqual({ versions: [] })
    expect((await call({ url: '/api/v1/models?name=Bad_Name' })).json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })

    const shown = (await call({ url: '/api/v1/models/gas-sensor/1.1.0' })).json<ModelVersionView>()
    expect(shown.lineage).toEqual({ ancestors: [{ name: 'gas-sensor', version: '1.0.0', registered: true }], children: [] })
    expect(checkManifestSignature(shown.manifest, shown.manifest.signature, app.signingKeys.publicKeyPem)).toBeNull()
    const parent = (await call({ url: '/api/v1/models/gas-sensor/1.0.0' })).json<ModelVersionView>()
    expect(parent.lineage.children).toEqual([{ name: 'gas-sensor', version: '1.1.0' }])
  })

  it('answers 404 HUB_MODEL_NOT_FOUND for an unknown version, 401 without a token', async () => {
    expect((await call({ url: '/api/v1/models/gas-sensor/9.9.9' })).json()).toMatchObject({ statusCode: 404, code: 'HUB_MODEL_NOT_FOUND' })
    expect((await app.inject({ url: '/api/v1/models' })).json()).toMatchObject({ statusCode: 401, code: 'HUB_UNAUTHORIZED' })
  })

  it('are documented in the OpenAPI document and count refusals in the metrics', async () => {
    const openapi = (await app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>()
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining([
      '/api/v1/models', '/api/v1/models/{name}/{version}', '/api/v1/models/{name}/{version}/model.onnx', '/api/v1/models/{name}/{version}/manifest.json',
    ]))
    const metrics = await app.metrics.registry.metrics()
    expect(metrics).toMatch(/edgefleet_model_api_refusals_total\{route="POST \/api\/v1\/models",status="401"\} [1-9]/)
    expect(metrics).toMatch(/edgefleet_model_api_refusals_total\{route="POST \/api\/v1\/models",status="400"\} [1-9]/)
  })
})

describe('upload size limit', () => {
  let small: FastifyInstance
  let own: string

  /** The model routes with a 100 kB limit on the plugins they need (build() uses the 512 MiB default). */
  beforeAll(async () => {
    own = await mkdtemp(join(tmpdir(), 'ef-model-limit-'))
    small = Fastify()
    await small.register(storesPlugin, { dataDir: own, telemetry: 'sqlite', retentionDays: 0 })
    await small.register(routeAuthPlugin)
    await small.register(signingPlugin, { dataDir: own })
    small.decorate('metrics', new HubMetrics(() => 0))
    await small.register(modelRoutes, { prefix: '/api/v1', dataDir: own, maxUploadBytes: 100_000 })
  })

  afterAll(async () => {
    await small?.close()
    await rm(own, { recursive: true, force: true })
  })

  it('answers 413 HUB_UPLOAD_TOO_LARGE and registers nothing, whether the size is declared or only counted', async () => {
    const ops = `ops.${(await small.registry.addCredential('operator', 'ops', 'operator')).secret}`
    for (const chunked of [false, true]) {
      const res = await small.inject(await uploadRequest(GAS_SENSOR, ops, { chunked }))
      expect(res.statusCode, `chunked: ${chunked}`).toBe(413)
      expect(res.json()).toMatchObject({ code: 'HUB_UPLOAD_TOO_LARGE' })
      expect(res.json<{ message: string }>().message).toMatch(/larger than this hub accepts \(100000 bytes/)
    }
    expect(await small.registry.listModelVersions()).toEqual([])
    expect(await readdir(join(own, 'uploads'))).toEqual([])
    expect(await small.metrics.registry.metrics()).toContain('edgefleet_model_api_refusals_total{route="POST /api/v1/models",status="413"} 2')
  })
})
