import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { checkManifestSignature, shippedPackageDir } from '@edgefleet/models'
import { decodeChannel, deviceTopic, type Desired, type DeviceDeployment, type Manifest } from '@edgefleet/protocol'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'
import { ModelBlobs } from '../../models/model-blobs.ts'
import { pushModel } from '../../models/push-model.ts'

let dir: string
let app: FastifyInstance
let token: string
let mqttPort: number

/** Registers the shipped gas-sensor package as `version`. */
async function register(version: string, expiresAt?: number): Promise<void> {
  const pkg = join(dir, `pkg-${version}`)
  cpSync(shippedPackageDir('gas-sensor'), pkg, { recursive: true })
  const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8')) as Manifest
  writeFileSync(join(pkg, 'manifest.json'), JSON.stringify({ ...manifest, version }))
  await pushModel(pkg, { registry: app.registry, blobs: new ModelBlobs(join(dir, 'hub', 'models')), keys: app.signingKeys, ...(expiresAt ? { expiresAt } : {}) })
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ef-deployments-'))
  app = await build({ config: loadHubConfig({ dataDir: join(dir, 'hub'), mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
  await app.listen({ host: '127.0.0.1', port: 0 })
  mqttPort = (await app.broker.start()).mqttPort!
})

afterEach(async () => {
  await app.close()
  await rm(dir, { recursive: true, force: true })
})

const call = (o: InjectOptions & { url: string }) => app.inject({ ...o, headers: { authorization: `Bearer ${token}`, ...o.headers } })

/** The device's own connection, receiving its retained desired state. */
async function desiredOf(deviceId: string, secret: string): Promise<Desired> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: deviceId, username: deviceId, password: secret, reconnectPeriod: 0 })
  try {
    const got = new Promise<Desired>((resolve) => client.on('message', (_t, payload) => resolve(decodeChannel('desired', payload))))
    await client.subscribeAsync(deviceTopic(deviceId, 'desired'), { qos: 1 })
    return await got
  } finally {
    await client.endAsync()
  }
}

describe('desired state routes', { timeout: 60_000 }, () => {
  it('put a device on a registered version: stored, published retained with signed targets, newer generation each time', async () => {
    await register('1.0.0')
    // signed at registration for one more hour only: a desired state carries a fresh signature anyway
    await register('1.1.0', Date.now() + 3_600_000)
    const { secret } = await app.registry.addDevice('pi-1')
    const put = await call({ method: 'PUT', url: '/api/v1/devices/pi-1/desired', payload: { model: 'gas-sensor@1.1.0' } })
    expect(put.statusCode, put.body).toBe(200)
    const first = put.json() as Desired
    const received = await desiredOf('pi-1', secret)
    expect(received).toEqual(first)
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/v1/models/gas-sensor/1.1.0`
    expect(received.active).toMatchObject({ name: 'gas-sensor', version: '1.1.0', url: `${base}/model.onnx`, manifestUrl: `${base}/manifest.json` })
    expect(received.rollback).toBe(false)
    expect(received.active!.rollbackSignature).toBeUndefined()
    const publicKey = readFileSync(join(dir, 'hub', 'keys', 'model-signing.pub'), 'utf8')
    expect(checkManifestSignature({ name: 'gas-sensor', version: '1.1.0', model: { sha256: received.active!.sha256 } } as Manifest, received.active!.signature, publicKey)).toBeNull()
    expect(received.active!.signature.expiresAt).toBeGreaterThan(Date.now() + 300 * 86_400_000)

    // the device reports it runs 1.1.0; going back to 1.0.0 is a rollback the hub signs as one
    await app.ingest.handle('pi-1', 'status', JSON.stringify({ v: 1, deviceId: 'pi-1', state: 'online', ts: Date.now(), model: { name: 'gas-sensor', version: '1.1.0', sha256: received.active!.sha256 }, latencyMs: 0.2 }))
    const back = (await call({ method: 'PUT', url: '/api/v1/devices/pi-1/desired', payload: { model: 'gas-sensor@1.0.0' } })).json() as Desired
    expect(back.generation).toBeGreaterThan(first.generation)
    expect(back.rollback).toBe(true)
    const target = back.active!
    expect(checkManifestSignature({ name: target.name, version: target.version, model: { sha256: target.sha256 } } as Manifest, target.rollbackSignature, publicKey, Date.now(), { rollback: true })).toBeNull()
    // the ordinary signature is not a rollback signature: it cannot be replayed to force a downgrade
    expect(checkManifestSignature({ name: target.name, version: target.version, model: { sha256: target.sha256 } } as Manifest, target.signature, publicKey, Date.now(), { rollback: true })).toMatchObject({ code: 'AGENT_SIGNATURE_INVALID' })
    expect(await desiredOf('pi-1', secret)).toEqual(back)
  })

  it('show what the device reported for its activation, and refuse unknown devices and versions', async () => {
    await register('1.0.0')
    await app.registry.addDevice('pi-2')
    expect((await call({ method: 'PUT', url: '/api/v1/devices/pi-2/desired', payload: { model: 'gas-sensor@9.9.9' } })).json()).toMatchObject({ statusCode: 404, code: 'HUB_MODEL_NOT_FOUND' })
    expect((await call({ method: 'PUT', url: '/api/v1/devices/nope/desired', payload: { model: 'gas-sensor@1.0.0' } })).json()).toMatchObject({ statusCode: 404, code: 'HUB_DEVICE_NOT_FOUND' })
    expect((await call({ method: 'PUT', url: '/api/v1/devices/pi-2/desired', payload: { model: 'gas-sensor' } })).json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
    expect((await app.inject({ method: 'PUT', url: '/api/v1/devices/pi-2/desired', payload: { model: 'gas-sensor@1.0.0' } })).statusCode).toBe(401)

    const desired = (await call({ method: 'PUT', url: '/api/v1/devices/pi-2/desired', payload: { model: 'gas-sensor@1.0.0' } })).json() as Desired
    const event = (seq: number, step: string, state: string, extra = {}) => JSON.stringify({
      v: 1, deviceId: 'pi-2', seq, ts: Date.now() + seq, event: { type: 'deploy', generation: desired.generation, model: { name: 'gas-sensor', version: '1.0.0' }, step, state, ...extra },
    })
    await app.ingest.handle('pi-2', 'events', event(1, 'download', 'started'))
    await app.ingest.handle('pi-2', 'events', event(2, 'self-test', 'failed', { code: 'MODEL_SELF_TEST_FAILED', message: 'vector 0 differs' }))
    const view = (await call({ url: '/api/v1/devices/pi-2/deployment' })).json() as DeviceDeployment
    expect(view.desired).toEqual(desired)
    expect(view.deployments).toEqual([expect.objectContaining({ role: 'active', step: 'self-test', state: 'failed', code: 'MODEL_SELF_TEST_FAILED', generation: desired.generation })])
  })
})
