import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, loadHubConfig } from '@edgefleet/hub'
import { alertFilters, deviceTopic, examples } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

let app: FastifyInstance
let mqttUrl: string
let dataDir: string
const clients: mqtt.MqttClient[] = []
const secrets: Record<string, string> = {}
let token: string

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ef-broker-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  const ports = await app.broker.start()
  mqttUrl = `mqtt://127.0.0.1:${ports.mqttPort}`
  for (const id of ['dev-a', 'dev-b']) secrets[id] = (await app.registry.addDevice(id)).secret
  secrets.reader = (await app.registry.addCredential('subscriber', 'reader')).secret
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await app.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function connect(username: string, o: { clientId?: string; password?: string } = {}): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(mqttUrl, { username, password: o.password ?? secrets[username], clientId: o.clientId ?? username, reconnectPeriod: 0 })
  clients.push(client)
  return client
}

const device = async (id: string) => (await app.inject({ url: `/api/v1/devices/${id}`, headers: { authorization: `Bearer ${token}` } })).json()

/** A valid predictions message of `id` with this seq, made now (older points fall to the retention policy). */
const predictions = (id: string, seq: number): string =>
  JSON.stringify({ ...examples.pred, deviceId: id, seq, ts: Date.now(), items: examples.pred.items.map((p) => ({ ...p, ts: Date.now() })) })

describe('broker security', () => {
  it('refuses a wrong secret, an unknown user, and a device id used as someone else\'s client id', async () => {
    await expect(connect('dev-a', { password: 'wrong' })).rejects.toThrow(/Bad username or password|Not authorized/)
    await expect(connect('nobody', { password: 'x' })).rejects.toThrow(/Bad username or password|Not authorized/)
    await expect(connect('dev-a', { clientId: 'dev-b' })).rejects.toThrow(/Bad username or password|Not authorized/)
  })

  it('a device may not publish on another device\'s topics: refused, nothing stored', async () => {
    const a = await connect('dev-a')
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()))
    a.publish(deviceTopic('dev-b', 'pred'), predictions('dev-b', 1), { qos: 1 })
    await closed
    expect((await device('dev-b')).counters.messages).toBe(0)
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-b' })).toBe(0)
  })

  it('a device may subscribe only to its own downlink; a subscriber only to alerts', async () => {
    const a = await connect('dev-a')
    // mqtt.js rejects a subscription the broker refused (SUBACK 0x80); read the granted QoS either way
    const granted = (client: mqtt.MqttClient, filter: string): Promise<number> =>
      client.subscribeAsync(filter, { qos: 1 }).then(
        (g) => g[0]!.qos,
        (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] ?? Promise.reject(err),
      )
    expect(await granted(a, deviceTopic('dev-a', 'desired'))).toBe(1)
    expect(await granted(a, deviceTopic('dev-b', 'cmd'))).toBe(128)
    expect(await granted(a, alertFilters.all())).toBe(128)
    expect(await granted(a, '#')).toBe(128)
    const reader = await connect('reader', { clientId: 'reader-1' })
    expect(await granted(reader, alertFilters.model('gas-sensor'))).toBe(1)
    expect(await granted(reader, deviceTopic('dev-a', 'pred'))).toBe(128)
    expect(await granted(reader, '#')).toBe(128)
  })
})

describe('ingest', () => {
  it('counts malformed payloads per device, keeps the connection, and keeps serving others', async () => {
    const a = await connect('dev-a')
    const b = await connect('dev-b')
    await a.publishAsync(deviceTopic('dev-a', 'pred'), '{"v":1,"not":"a prediction"}', { qos: 1 })
    await a.publishAsync(deviceTopic('dev-a', 'pred'), Buffer.from([0xff, 0xfe]), { qos: 1 })
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-b', 7), { qos: 1 })
    await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 1), { qos: 1 })
    await b.publishAsync(deviceTopic('dev-b', 'pred'), predictions('dev-b', 1), { qos: 1 })
    expect(a.connected).toBe(true)
    expect((await device('dev-a')).counters).toMatchObject({ invalid: 3, messages: 1, predictions: 1 })
    expect((await device('dev-b')).counters).toMatchObject({ invalid: 0, predictions: 1 })
    expect(await app.telemetry.countPredictions()).toBe(2)
    const metrics = (await app.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/edgefleet_messages_total\{channel="pred",outcome="invalid"\} 3/)
  })

  it('stores a redelivered or resent message once', async () => {
    const a = await connect('dev-a')
    for (let i = 0; i < 3; i++) await a.publishAsync(deviceTopic('dev-a', 'pred'), predictions('dev-a', 42), { qos: 1 })
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-a' })).toBe(examples.pred.items.length)
    expect((await device('dev-a')).counters).toMatchObject({ messages: 3, duplicates: 2, predictions: examples.pred.items.length })
  })

  it('shows a device online while connected and offline after it drops', async () => {
    const a = await connect('dev-a')
    await a.publishAsync(deviceTopic('dev-a', 'status'), JSON.stringify({ ...examples.status, deviceId: 'dev-a' }), { qos: 1, retain: true })
    expect(await device('dev-a')).toMatchObject({ online: true, agentVersion: examples.status.agentVersion })
    a.stream.destroy()
    await expect.poll(async () => (await device('dev-a')).online, { timeout: 5000 }).toBe(false)
  })
})

/** An MQTT 3.1.1 CONNECT packet, encoded by hand so the test controls exactly what the client sends. */
function connectPacket(clientId: string, username: string, password: string, keepaliveS: number): Buffer {
  const str = (v: string): Buffer => {
    const b = Buffer.from(v, 'utf8')
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])
  }
  // protocol name, level 4, flags: username | password | clean session, keepalive
  const variable = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, keepaliveS >> 8, keepaliveS & 0xff])])
  const body = Buffer.concat([variable, str(clientId), str(username), str(password)])
  return Buffer.concat([Buffer.from([0x10, body.length]), body])
}

describe('presence', () => {
  it('a device that goes silent shows offline within 1.5× its keepalive', async () => {
    const { createConnection } = await import('node:net')
    const port = Number(new URL(mqttUrl).port)
    const socket = createConnection({ host: '127.0.0.1', port })
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())))
    const connack = new Promise<{ bytes: Buffer; at: number }>((resolve) => socket.once('data', (bytes: Buffer) => resolve({ bytes, at: performance.now() })))
    socket.write(connectPacket('dev-a', 'dev-a', secrets['dev-a']!, 2))
    const { bytes, at: silentSince } = await connack
    expect([...bytes]).toEqual([0x20, 2, 0, 0])
    // online while connected (checked before the broker can give up on it, unless the machine stalls)
    const onlineWhileConnected = device('dev-a').then((d) => d.online)
    // no PINGREQ ever: the broker gives up on it after 1.5 × 2 s [MQTT-3.1.2-24], not before the keepalive;
    // measured from the CONNACK, when the broker's keepalive clock is already running
    const closedAt = await closed
    expect(closedAt - silentSince).toBeGreaterThanOrEqual(2000)
    expect(await onlineWhileConnected).toBe(true)
    await expect.poll(async () => (await device('dev-a')).online, { timeout: 2000 }).toBe(false)
  })
})

describe('REST API', () => {
  it('refuses requests without an operator token and documents itself', async () => {
    expect((await app.inject({ url: '/api/v1/devices' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/api/v1/devices', headers: { authorization: 'Bearer ops.wrong' } })).json()).toMatchObject({ code: 'HUB_UNAUTHORIZED' })
    const openapi = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> }
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/devices', '/api/v1/devices/{id}', '/api/v1/devices/{id}/predictions', '/healthz']))
    expect((await app.inject({ url: '/healthz' })).json()).toMatchObject({ status: 'ok', broker: 'embedded', telemetry: 'sqlite' })
  })

  it('filters devices by tag and answers 404 and 400 with a code', async () => {
    await app.registry.addDevice('dev-c', { site: 'lab' })
    const auth = { authorization: `Bearer ${token}` }
    const lab = (await app.inject({ url: '/api/v1/devices?tag=site=lab', headers: auth })).json() as { devices: { id: string }[] }
    expect(lab.devices.map((d) => d.id)).toEqual(['dev-c'])
    expect((await app.inject({ url: '/api/v1/devices/nope', headers: auth })).json()).toMatchObject({ statusCode: 404, code: 'HUB_DEVICE_NOT_FOUND' })
    expect((await app.inject({ url: '/api/v1/devices/dev-c/predictions?from=10&to=5', headers: auth })).json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
    expect((await app.inject({ url: '/api/v1/devices/dev-c/predictions?every=abc', headers: auth })).statusCode).toBe(400)
  })
})
