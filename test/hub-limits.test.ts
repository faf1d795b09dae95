import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HubLink } from '@edgefleet/edge-agent'
import { build, loadHubConfig } from '@edgefleet/hub'
import { deviceTopic, examples } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'

let app: FastifyInstance
let mqttUrl: string
const cleanup: (() => Promise<unknown>)[] = []
const secrets: Record<string, string> = {}

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

/** A hub with these limits, on ephemeral ports, with devices dev-a and dev-b. */
async function hub(limits: Record<string, number>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ef-limits-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent', ...limits }, {}) })
  cleanup.push(async () => rmSync(dataDir, { recursive: true, force: true }), () => app.close())
  mqttUrl = `mqtt://127.0.0.1:${(await app.broker.start()).mqttPort}`
  for (const id of ['dev-a', 'dev-b']) secrets[id] = (await app.registry.addDevice(id)).secret
}

async function connect(id: string, o: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: id, username: id, password: secrets[id], reconnectPeriod: 0, ...o })
  cleanup.push(() => client.endAsync(true))
  return client
}

const refusals = async (limit: string): Promise<number> => {
  const m = new RegExp(`edgefleet_limit_refusals_total\\{limit="${limit}"\\} (\\d+)`).exec(await app.metrics.registry.metrics())
  return Number(m?.[1] ?? NaN)
}
const counters = (id: string) => app.ingest.counters.get(id)
const items = examples.pred.items.length
const prediction = (id: string, seq: number): string =>
  JSON.stringify({ ...examples.pred, deviceId: id, seq, ts: Date.now(), items: examples.pred.items.map((p) => ({ ...p, ts: Date.now() })) })

/** A HubLink (the agent's uplink: outbox, QoS 1, resend after reconnect) that enqueues `n` prediction messages. */
async function agentLink(id: string, n: number, o: { maxInflight?: number } = {}): Promise<{ link: HubLink; drops: () => number }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'ef-limits-agent-'))
  const link = await HubLink.create({ url: mqttUrl, deviceId: id, secret: secrets[id]!, stateDir, reconnect: { initialMs: 100, maxMs: 400 }, ...o })
  cleanup.push(async () => rmSync(stateDir, { recursive: true, force: true }), () => link.close({ timeoutMs: 0 }))
  let drops = 0
  link.on('disconnected', () => drops++)
  for (let i = 0; i < n; i++) link.enqueue('pred', (seq) => JSON.parse(prediction(id, seq)) as never)
  return { link, drops: () => drops }
}

describe('payload size', () => {
  it('refuses a PUBLISH over maxPayloadBytes: the connection closes, nothing is stored, the refusal is counted', async () => {
    await hub({ maxPayloadBytes: 2048 })
    const a = await connect('dev-a')
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()))
    const big = JSON.stringify({ ...JSON.parse(prediction('dev-a', 1)), pad: 'x'.repeat(2048) })
    a.publish(deviceTopic('dev-a', 'pred'), big, { qos: 1 })
    await closed
    expect(await refusals('payload-size')).toBe(1)
    expect(counters('dev-a')).toMatchObject({ messages: 0, refused: 1 })
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-a' })).toBe(0)
    // a message within the limit on the next connection is stored
    const again = await connect('dev-a')
    await again.publishAsync(deviceTopic('dev-a', 'pred'), prediction('dev-a', 2), { qos: 1 })
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-a' })).toBe(items)
    const device = (await app.inject({ url: '/metrics' })).body
    expect(device).toContain('edgefleet_limit_refusals_total{limit="payload-size"} 1')
  })
})

describe('connections', () => {
  it('answers CONNACK 3 (server unavailable) over maxConnections, and admits again once one leaves', async () => {
    await hub({ maxConnections: 2 })
    const a = await connect('dev-a')
    await connect('dev-b')
    const third = mqtt.connectAsync(mqttUrl, { clientId: 'dev-a-2', username: 'dev-a', password: secrets['dev-a'], reconnectPeriod: 0 })
    await expect(third).rejects.toMatchObject({ code: 3 })
    expect(await refusals('connections')).toBe(1)
    await a.endAsync()
    await expect.poll(async () => connect('dev-a').then(() => true, () => false)).toBe(true)
  })
})

describe('publish rate', () => {
  it('paces an agent\'s outbox drain (64 unacknowledged at most) to the rate: nothing refused, nothing lost, no reconnect', async () => {
    await hub({ devicePublishRate: 50, devicePublishBurst: 10 })
    const { link, drops } = await agentLink('dev-a', 150)
    await expect.poll(() => link.figures().left, { timeout: 30_000, interval: 200 }).toBe(0)
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-a' })).toBe(150 * items)
    expect(await refusals('publish-rate')).toBe(0)
    expect(drops()).toBe(0)
    expect(await app.metrics.registry.metrics()).toMatch(/edgefleet_publishes_paced_total [1-9]\d*/)
    // one device's rate is its own: another is not slowed
    const b = await connect('dev-b')
    await b.publishAsync(deviceTopic('dev-b', 'pred'), prediction('dev-b', 1), { qos: 1 })
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-b' })).toBe(items)
  })

  it('paces a sender with a window far above an agent\'s too: the broker reads on only as it acknowledges', async () => {
    await hub({ devicePublishRate: 200, devicePublishBurst: 20 })
    const { link, drops } = await agentLink('dev-a', 600, { maxInflight: 1000 })
    await expect.poll(() => link.figures().left, { timeout: 60_000, interval: 200 }).toBe(0)
    expect(drops()).toBe(0)
    expect(await app.telemetry.countPredictions({ deviceId: 'dev-a' })).toBe(600 * items)
  })

  it('a flood past the held-back publishes (QoS 0: nothing to wait for) is refused and cut off', async () => {
    await hub({ devicePublishRate: 10, devicePublishBurst: 10, devicePublishMaxHeld: 64 })
    const a = await connect('dev-a')
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()))
    for (let seq = 1; seq <= 2000; seq++) a.publish(deviceTopic('dev-a', 'pred'), prediction('dev-a', seq), { qos: 0 })
    await closed
    expect(await refusals('publish-rate')).toBeGreaterThanOrEqual(1)
    expect(counters('dev-a').refused).toBeGreaterThanOrEqual(1)
  })
})

describe('upload size', () => {
  it('refuses a model upload over maxUploadBytes with 413 and counts it with the other limits', async () => {
    await hub({ maxUploadBytes: 4096 })
    const token = `ops.${(await app.registry.addCredential('operator', 'ops', 'admin')).secret}`
    const boundary = 'b0undary'
    const body = `--${boundary}\r\ncontent-disposition: form-data; name="model"; filename="m.onnx"\r\ncontent-type: application/octet-stream\r\n\r\n${'x'.repeat(200_000)}\r\n--${boundary}--\r\n`
    const res = await app.inject({ method: 'POST', url: '/api/v1/models', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'HUB_UPLOAD_TOO_LARGE', message: expect.stringMatching(/4096 bytes/) })
    expect(await refusals('upload-size')).toBe(1)
  })
})
