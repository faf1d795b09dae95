import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { claimUsername, deviceTopic, examples, provisionTopic, type ProvisionResponse } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../app.ts'
import { loadHubConfig } from '../config.ts'

let dataDir: string
let app: FastifyInstance
let url: string
const clients: mqtt.MqttClient[] = []

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-claims-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  url = `mqtt://127.0.0.1:${(await app.broker.start()).mqttPort}`
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await app.close()
  await rm(dataDir, { recursive: true, force: true })
})

async function claimConnection(token: string, secret: string, clientId: string): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(url, { username: claimUsername(token), password: secret, clientId, reconnectPeriod: 0, protocolVersion: 4 })
  clients.push(client)
  return client
}

/** Asks for an identity on the connection's own topics and returns the hub's answer. */
async function ask(client: mqtt.MqttClient, clientId: string, body: unknown): Promise<ProvisionResponse> {
  await client.subscribeAsync(provisionTopic(clientId, 'response'), { qos: 1 })
  const answer = new Promise<ProvisionResponse>((resolve) => client.once('message', (_t, payload) => resolve(JSON.parse(payload.toString()) as ProvisionResponse)))
  await client.publishAsync(provisionTopic(clientId, 'request'), JSON.stringify(body), { qos: 1 })
  return answer
}

const claimsCounted = async (outcome: string): Promise<number> =>
  (await app.metrics.registry.getSingleMetricAsString('edgefleet_claims_total')).split('\n').filter((l) => l.includes(`outcome="${outcome}"`)).map((l) => Number(l.split(' ').at(-1))).reduce((a, b) => a + b, 0)

describe('claims over the embedded broker', () => {
  it('a claim connection gets its device: id from the serial, the token’s tags, a working secret and the hub key', async () => {
    const { secret } = await app.registry.addClaimToken({ name: 'batch-7', prefix: 'sensor', tags: { site: 'lab' }, maxUses: 2 })
    const client = await claimConnection('batch-7', secret, 'claim-1')
    const answer = await ask(client, 'claim-1', { v: 1, serial: 'SN:0042' })
    expect(answer).toMatchObject({ v: 1, ok: true, deviceId: 'sensor-SN-0042', reissued: false, hubPublicKey: { alg: 'ed25519', keyId: app.signingKeys.keyId, pem: app.signingKeys.publicKeyPem } })
    if (!answer.ok) throw new Error('refused')
    expect(await app.registry.getDevice('sensor-SN-0042')).toMatchObject({ tags: { site: 'lab' }, claim: { token: 'batch-7', serial: 'SN:0042' } })
    const device = await mqtt.connectAsync(url, { username: answer.deviceId, password: answer.secret, clientId: answer.deviceId, reconnectPeriod: 0 })
    clients.push(device)
    // asking again (the device lost its answer): the same device, a new secret, no second use
    const again = await ask(client, 'claim-1', { v: 1, serial: 'SN:0042' })
    expect(again).toMatchObject({ ok: true, deviceId: 'sensor-SN-0042', reissued: true })
    expect((await app.registry.getClaimToken('batch-7'))?.uses).toBe(1)
    expect(await claimsCounted('created')).toBe(1)
    expect(await claimsCounted('reissued')).toBe(1)
  })

  it('refuses with a code: an invalid request, an expired token; a wrong secret is refused at CONNACK', async () => {
    const { secret } = await app.registry.addClaimToken({ name: 'old', prefix: 'old', expiresAt: Date.now() - 1 })
    const client = await claimConnection('old', secret, 'claim-2')
    expect(await ask(client, 'claim-2', { v: 1 })).toMatchObject({ ok: false, code: 'PROVISION_REQUEST_INVALID' })
    expect(await ask(client, 'claim-2', { v: 1, serial: 'x1' })).toMatchObject({ ok: false, code: 'PROVISION_TOKEN_EXPIRED', message: expect.stringMatching(/new one/) })
    expect(await app.registry.listDevices()).toEqual([])
    await expect(claimConnection('old', 'wrong', 'claim-3')).rejects.toThrow(/Bad username or password|Not authorized/)
    await expect(claimConnection('nobody', secret, 'claim-4')).rejects.toThrow(/Bad username or password|Not authorized/)
    // a claim may not take over a device's session by using its id as client id
    await app.registry.addDevice('pi-01')
    await expect(claimConnection('old', secret, 'pi-01')).rejects.toThrow(/Bad username or password|Not authorized/)
    expect(await claimsCounted('PROVISION_TOKEN_EXPIRED')).toBe(1)
  })

  it('a claim connection can do nothing else: other topics are refused and nothing is stored', async () => {
    const { secret } = await app.registry.addClaimToken({ name: 'batch-8', prefix: 'b8' })
    await app.registry.addDevice('pi-01')
    const client = await claimConnection('batch-8', secret, 'claim-5')
    // mqtt.js rejects a subscription the broker refused (SUBACK 0x80); read the granted QoS either way
    const granted = (filter: string): Promise<number> => client.subscribeAsync(filter, { qos: 1 }).then(
      (g) => g[0]!.qos,
      (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] ?? Promise.reject(err),
    )
    for (const filter of [deviceTopic('pi-01', 'desired'), provisionTopic('claim-6', 'response'), provisionTopic('claim-5', 'request'), 'ef/v1/#']) {
      expect(await granted(filter), filter).toBe(128)
    }
    expect(await granted(provisionTopic('claim-5', 'response'))).toBe(1)
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    client.publish(deviceTopic('pi-01', 'pred'), JSON.stringify({ ...examples.pred, deviceId: 'pi-01' }), { qos: 1 })
    await closed
    expect(await app.telemetry.countPredictions({ deviceId: 'pi-01' })).toBe(0)
  })
})
