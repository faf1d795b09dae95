import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, loadHubConfig } from '@edgefleet/hub'
import { deviceTopic, examples } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MOSQUITTO_MISSING, mosquittoAvailable, startMosquitto, type TestMosquitto } from './helpers/mosquitto.ts'

/**
 * `edgefleet hub --broker`: the hub as a client of a real Mosquitto that authenticates every device
 * with its own password and restricts topics with the ACL below (the policy of hub/src/auth/acl.ts).
 */
const ACL = `
pattern write ef/v1/dev/%u/status
pattern write ef/v1/dev/%u/pred
pattern write ef/v1/dev/%u/drift
pattern write ef/v1/dev/%u/samples
pattern write ef/v1/dev/%u/labels
pattern write ef/v1/dev/%u/events
pattern read ef/v1/dev/%u/desired
pattern read ef/v1/dev/%u/cmd

user hub
topic readwrite ef/v1/#
`
/** `stranger` is a user at the broker but no device at the hub */
const USERS = { hub: 'hub-secret', 'dev-a': 'secret-a', 'dev-b': 'secret-b', stranger: 'secret-s' }
const available = mosquittoAvailable()
const POLL = { timeout: 15_000, interval: 50 }

it('runs against Mosquitto (required under CI)', (ctx) => {
  if (available) return
  if (process.env.CI === 'true') throw new Error(MOSQUITTO_MISSING)
  ctx.skip(MOSQUITTO_MISSING)
})

describe.runIf(available)('hub with an external broker (Mosquitto)', () => {
  let mosquitto: TestMosquitto
  let dataDir: string
  let token: string
  const hubs: FastifyInstance[] = []
  const clients: mqtt.MqttClient[] = []

  beforeEach(async () => {
    // one broker per test: the hub's persistent session and retained messages start empty
    mosquitto = (await startMosquitto({ users: USERS, acl: ACL, config: ['use_username_as_clientid true'] }))!
    dataDir = mkdtempSync(join(tmpdir(), 'ef-external-'))
  })

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
    for (const app of hubs.splice(0)) await app.close()
    await mosquitto.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  /** Builds the hub in-process on `dataDir`, connected to Mosquitto as `hub`. */
  async function startHub(o: { password?: string; start?: boolean } = {}): Promise<FastifyInstance> {
    const config = loadHubConfig({ dataDir, httpPort: 0, logLevel: 'silent', broker: mosquitto.url, brokerUsername: 'hub', brokerPassword: o.password ?? USERS.hub }, {})
    const app = await build({ config })
    hubs.push(app)
    for (const id of ['dev-a', 'dev-b']) if (!(await app.registry.getDevice(id))) await app.registry.addDevice(id)
    if (!(await app.registry.listCredentials('operator')).length) token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
    if (o.start !== false) await app.broker.start()
    return app
  }

  /** A device connected straight to Mosquitto with its own credentials. */
  async function device(id: 'dev-a' | 'dev-b' | 'stranger', o: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
    const client = await mqtt.connectAsync(mosquitto.url, { username: id, password: USERS[id], clientId: id, reconnectPeriod: 0, ...o })
    clients.push(client)
    return client
  }

  const get = async (app: FastifyInstance, url: string) => (await app.inject({ url, headers: { authorization: `Bearer ${token}` } })).json()
  const record = (app: FastifyInstance, id: string) => get(app, `/api/v1/devices/${id}`)

  /** A valid predictions message of `id` with this seq, made now. */
  const predictions = (id: string, seq: number): string =>
    JSON.stringify({ ...examples.pred, deviceId: id, seq, ts: Date.now(), items: examples.pred.items.map((p) => ({ ...p, ts: Date.now() })) })
  const status = (id: string, state: 'online' | 'offline'): string =>
    JSON.stringify(state === 'online' ? { ...examples.status, deviceId: id, ts: Date.now() } : { ...examples.statusOffline, deviceId: id, ts: Date.now() })
  const items = examples.pred.items.length

  it('stores predictions exactly once and counts malformed payloads per device, and keeps going', async () => {
    const app = await startHub()
    expect(await get(app, '/healthz')).toMatchObject({ broker: 'external' })
    const a = await device('dev-a')
    const b = await device('dev-b')
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 1), { qos: 1 })
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 1), { qos: 1 }) // a resend: same seq
    await a.publishAsync(deviceTopic('dev-a', 'pred'), '{"v":1,"not":"a prediction"}', { qos: 1 })
    await a.publishAsync(deviceTopic('dev-a', 'pred'), Buffer.from([0xff, 0xfe]), { qos: 1 })
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-b', 7), { qos: 1 }) // speaks for someone else
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 2), { qos: 1 })
    await b.publishAsync(deviceTopic('dev-b', 'pred'), predictions('dev-b', 1), { qos: 1 })
    // Mosquitto acknowledged the devices at once; the hub stores in order, so wait for the last one
    await expect.poll(async () => (await record(app, 'dev-a')).counters.messages, POLL).toBe(3)
    await expect.poll(async () => (await record(app, 'dev-b')).counters.messages, POLL).toBe(1)
    expect((await record(app, 'dev-a')).counters).toEqual({ messages: 3, duplicates: 1, invalid: 3, predictions: 2 * items })
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-a' })).toBe(2 * items)
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-b' })).toBe(items)
    expect((await app.inject({ url: '/metrics' })).body).toMatch(/edgefleet_messages_total\{channel="pred",outcome="invalid"\} 3/)
  })

  it('shows a device online from its retained status, also to a hub that starts later, and offline when its last will fires', async () => {
    const will = { topic: deviceTopic('dev-a', 'status'), payload: Buffer.from(status('dev-a', 'offline')), qos: 1 as const, retain: true }
    const a = await device('dev-a', { will })
    await a.publishAsync(deviceTopic('dev-a', 'status'), status('dev-a', 'online'), { qos: 1, retain: true })
    // the hub was not running when the device said it is online: the retained status tells it
    const app = await startHub()
    await expect.poll(async () => (await record(app, 'dev-a')).online, POLL).toBe(true)
    expect(await record(app, 'dev-a')).toMatchObject({ agentVersion: examples.status.agentVersion })
    expect(await get(app, '/healthz')).toMatchObject({ devicesOnline: 1 })
    a.stream.destroy() // no DISCONNECT: Mosquitto publishes the last will
    await expect.poll(async () => (await record(app, 'dev-a')).online, POLL).toBe(false)
    expect(await get(app, '/healthz')).toMatchObject({ devicesOnline: 0 })
  })

  it('Mosquitto\'s ACL refuses a device\'s publish to another device\'s topic: nothing stored', async () => {
    const app = await startHub()
    const a = await device('dev-a', { protocolVersion: 5 })
    // MQTT 5 lets Mosquitto say so: PUBACK 0x87 (not authorised)
    await expect(a.publishAsync(deviceTopic('dev-b', 'pred'), predictions('dev-b', 1), { qos: 1 })).rejects.toThrow(/Not authorized/i)
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 1), { qos: 1 })
    await expect.poll(async () => app.telemetry.countPredictions({ deviceId: 'dev-a' }), POLL).toBe(items)
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-b' })).toBe(0)
    expect((await record(app, 'dev-b')).counters.messages).toBe(0)
  })

  it('publishes as the hub; a device reads only its own downlink', async () => {
    const app = await startHub()
    const a = await device('dev-a')
    const received: string[] = []
    a.on('message', (topic) => received.push(topic))
    // Mosquitto grants the subscription and then never delivers what the ACL forbids
    await a.subscribeAsync([deviceTopic('dev-a', 'desired'), deviceTopic('dev-b', 'desired')], { qos: 1 })
    await app.broker.publish(deviceTopic('dev-b', 'desired'), JSON.stringify({ ...examples.desired, ts: Date.now() }), { retain: true })
    await app.broker.publish(deviceTopic('dev-a', 'desired'), JSON.stringify({ ...examples.desired, ts: Date.now() }), { retain: true })
    await expect.poll(() => received, POLL).toContain(deviceTopic('dev-a', 'desired'))
    expect(received).toEqual([deviceTopic('dev-a', 'desired')])
  })

  it('ignores and counts messages on topics that belong to no device', async () => {
    const app = await startHub()
    const broker = app.broker as typeof app.broker & { ignoredMessages: number }
    // only the hub's own user may write there; `_`-prefixed levels are no device id
    await app.broker.publish('ef/v1/dev/_reserved/pred', predictions('dev-a', 1))
    await expect.poll(() => broker.ignoredMessages, POLL).toBe(1)
    const a = await device('dev-a')
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 1), { qos: 1 })
    await expect.poll(async () => app.telemetry.countPredictions({ deviceId: 'dev-a' }), POLL).toBe(items)
  })

  it('drops what a device unknown to the hub sends, and keeps serving the others', async () => {
    const app = await startHub()
    const stranger = await device('stranger')
    await stranger.publishAsync(deviceTopic('stranger', 'status'), status('stranger', 'online'), { qos: 1, retain: true })
    await stranger.publishAsync(deviceTopic('stranger', 'pred'), predictions('stranger', 1), { qos: 1 })
    const a = await device('dev-a')
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 1), { qos: 1 })
    await expect.poll(async () => app.telemetry.countPredictions({ deviceId: 'dev-a' }), POLL).toBe(items)
    expect(await app.telemetry.countPredictions({ deviceId: 'stranger' })).toBe(0)
    expect((app.broker as typeof app.broker & { rejectedMessages: number }).rejectedMessages).toBe(2)
    expect(await get(app, '/healthz')).toMatchObject({ devicesOnline: 0 })
  })

  it('leaves a message it could not store unacknowledged: Mosquitto redelivers it and it is stored once', async () => {
    const app = await startHub()
    const write = app.telemetry.writePredictions.bind(app.telemetry)
    let calls = 0
    app.telemetry.writePredictions = async (points) => {
      if (++calls === 1) throw new Error('disk full (simulated)')
      return write(points)
    }
    const a = await device('dev-a')
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 1), { qos: 1 })
    await expect.poll(async () => app.telemetry.countPredictions({ deviceId: 'dev-a' }), POLL).toBe(items)
    expect(calls).toBe(2)
  })

  it('a hub that stopped before storing a message gets it again when it comes back (persistent session)', async () => {
    const first = await startHub()
    let attempts = 0
    first.telemetry.writePredictions = async () => {
      attempts++
      throw new Error('store unavailable (simulated)')
    }
    const a = await device('dev-a')
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 1), { qos: 1 })
    await expect.poll(() => attempts, POLL).toBeGreaterThan(0)
    await first.close()
    hubs.splice(hubs.indexOf(first), 1)
    // the device is long done (Mosquitto acknowledged it); only the hub's session holds the message
    await a.endAsync()
    const second = await startHub()
    await expect.poll(async () => second.telemetry.countPredictions({ deviceId: 'dev-a' }), POLL).toBe(items)
  })

  it('fails start with HUB_BROKER_UNREACHABLE when Mosquitto refuses the hub\'s password', async () => {
    const app = await startHub({ password: 'wrong', start: false })
    await expect(app.broker.start()).rejects.toMatchObject({ code: 'HUB_BROKER_UNREACHABLE', message: expect.stringMatching(/refused the hub.*--broker-password/) })
  })
})
