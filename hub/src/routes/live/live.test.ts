import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alertExample, deviceTopic, examples, type LiveEventBodies, type LiveEventType } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'

let dataDir: string
let app: FastifyInstance
let base: string
let mqttUrl: string
let token: string
const closers: (() => Promise<unknown>)[] = []

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-live-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  base = await app.listen({ host: '127.0.0.1', port: 0 })
  mqttUrl = `mqtt://127.0.0.1:${(await app.broker.start()).mqttPort}`
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
})

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
  await app.close()
  await rm(dataDir, { recursive: true, force: true })
})

interface LiveEvent { type: LiveEventType; body: unknown }

/** Reads `GET /api/v1/live` as a browser would, collecting every event. */
async function openLive(): Promise<{ events: LiveEvent[]; next<T extends LiveEventType>(type: T, match?: (b: LiveEventBodies[T]) => boolean): Promise<LiveEventBodies[T]> }> {
  const controller = new AbortController()
  const res = await fetch(`${base}/api/v1/live`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const events: LiveEvent[] = []
  const waiters = new Set<() => void>()
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  const pump = (async () => {
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }))
      if (done) return
      buffer += value
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const type = /^event: (.+)$/m.exec(frame)?.[1]
        const data = /^data: (.+)$/m.exec(frame)?.[1]
        if (type && data) events.push({ type: type as LiveEventType, body: JSON.parse(data) })
        for (const w of waiters) w()
      }
    }
  })()
  closers.push(async () => {
    controller.abort()
    await pump
  })
  const next = <T extends LiveEventType>(type: T, match: (b: LiveEventBodies[T]) => boolean = () => true): Promise<LiveEventBodies[T]> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} event within 10 s; got ${events.map((e) => e.type).join(', ')}`)), 10_000)
      const check = (): void => {
        const hit = events.find((e) => e.type === type && match(e.body as LiveEventBodies[T]))
        if (!hit) return
        clearTimeout(timer)
        waiters.delete(check)
        resolve(hit.body as LiveEventBodies[T])
      }
      waiters.add(check)
      check()
    })
  await next('ready')
  return { events, next }
}

describe('GET /api/v1/live', () => {
  it('needs an operator token', async () => {
    const res = await fetch(`${base}/api/v1/live`)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ code: 'HUB_UNAUTHORIZED' })
  })

  it('sends ready first, then a device coming online with its health, coalesced per device', async () => {
    const { secret } = await app.registry.addDevice('pi-kitchen-01')
    const live = await openLive()
    expect(live.events[0]).toMatchObject({ type: 'ready', body: { hubVersion: expect.any(String) } })
    const device = await mqtt.connectAsync(mqttUrl, { username: 'pi-kitchen-01', password: secret, clientId: 'pi-kitchen-01', reconnectPeriod: 0 })
    closers.push(() => device.endAsync(true))
    // five statuses in quick succession: the dashboard gets the device once, as it is after the last
    for (let i = 1; i <= 5; i++) {
      await device.publishAsync(deviceTopic('pi-kitchen-01', 'status'), JSON.stringify({ ...examples.status, latencyP95Ms: i }), { qos: 1 })
    }
    const { device: view } = await live.next('device', (b) => b.device.health?.latencyP95Ms === 5)
    expect(view).toMatchObject({
      id: 'pi-kitchen-01', online: true, model: { name: 'gas-sensor', version: '1.0.0' },
      health: { online: true, latencyMs: 0.02, latencyP95Ms: 5, drift: { state: 'ok', features: [] } },
    })
    await new Promise((r) => setTimeout(r, 1500))
    expect(live.events.filter((e) => e.type === 'device').length).toBeLessThanOrEqual(2)
  })

  it('sends alerts as raised and again when acknowledged, and deploy steps as reported', async () => {
    const live = await openLive()
    await app.alerts.emit({ ...alertExample, id: 'a1', ts: Date.now() })
    expect((await live.next('alert')).alert).toMatchObject({ alert: { id: 'a1', state: 'raised' }, ack: null })
    const acked = await fetch(`${base}/api/v1/alerts/a1/ack`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ note: 'looking' }) })
    expect(acked.status).toBe(200)
    expect((await live.next('alert', (b) => b.alert.ack !== null)).alert.ack).toMatchObject({ by: 'ops', note: 'looking' })

    const { secret } = await app.registry.addDevice('pi-kitchen-01')
    const device = await mqtt.connectAsync(mqttUrl, { username: 'pi-kitchen-01', password: secret, clientId: 'pi-kitchen-01', reconnectPeriod: 0 })
    closers.push(() => device.endAsync(true))
    await device.publishAsync(deviceTopic('pi-kitchen-01', 'events'), JSON.stringify({ ...examples.events, ts: Date.now() }), { qos: 1 })
    expect(await live.next('deploy')).toMatchObject({
      deviceId: 'pi-kitchen-01',
      deployment: { role: 'active', step: 'verify-signature', state: 'failed', code: 'AGENT_SIGNATURE_INVALID', model: { version: '1.1.0' } },
    })
  })

  it('ends open streams when the hub closes, so shutdown does not hang', async () => {
    const live = await openLive()
    expect(live.events[0]?.type).toBe('ready')
    const started = Date.now()
    await app.close()
    expect(Date.now() - started).toBeLessThan(5000)
    // a second close in afterEach is harmless
  })
})
