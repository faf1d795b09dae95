import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alertExample, alertFilters, type Alert } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../app.ts'
import { ExternalBroker } from '../broker/external-broker.ts'
import { loadHubConfig, type HubConfig } from '../config.ts'
import { SqliteRegistry } from '../registry/sqlite-registry.ts'
import { startWebhookReceiver } from '../test-support/webhook-receiver.ts'
import { AlertService } from './alert-service.ts'

const POLL = { timeout: 10_000, interval: 20 }
const raised: Alert = { ...alertExample, id: 'al-1', state: 'raised' }
const cleared: Alert = { ...alertExample, id: 'al-2', state: 'cleared', ts: alertExample.ts + 60_000 }
const TOPIC = 'ef/v1/alerts/drift/gas-sensor/pi-kitchen-01/data-drift'

let dataDir: string
const cleanup: (() => Promise<unknown>)[] = []

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-alerts-'))
})

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
  await rm(dataDir, { recursive: true, force: true })
})

/** A hub on `dataDir` with its embedded broker started on a free port, and a subscriber credential. */
async function hub(settings: Partial<HubConfig> = {}): Promise<{ app: FastifyInstance; subscribe(): Promise<mqtt.MqttClient>; received: string[] }> {
  const app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent', ...settings }, {}) })
  cleanup.push(() => app.close())
  await app.ready()
  const { mqttPort } = await app.broker.start()
  const name = `reader-${Math.random().toString(36).slice(2, 8)}`
  const { secret } = await app.registry.addCredential('subscriber', name)
  const received: string[] = []
  return {
    app,
    received,
    async subscribe() {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: name, password: secret, clientId: name, reconnectPeriod: 0 })
      cleanup.push(() => client.endAsync(true))
      client.on('message', (topic, payload, packet) => received.push(`${topic} ${packet.retain ? 'retained' : 'live'} qos${packet.qos} ${JSON.parse(payload.toString()).state}`))
      await client.subscribeAsync(alertFilters.drift(), { qos: 1 })
      return client
    },
  }
}

describe('AlertService', () => {
  it('stores an alert and publishes it retained with QoS 1; a late subscriber sees the topic’s current state', async () => {
    const h = await hub()
    await h.subscribe()
    await h.app.alerts.emit(raised)
    await expect.poll(() => h.received, POLL).toEqual([`${TOPIC} live qos1 raised`])
    expect(await h.app.registry.getAlert('al-1')).toEqual({ alert: raised, ack: null })
    await h.app.alerts.emit(cleared)
    await expect.poll(() => h.received.length, POLL).toBe(2)
    h.received.length = 0
    await h.subscribe()
    await expect.poll(() => h.received, POLL).toEqual([`${TOPIC} retained qos1 cleared`])
    const metrics = await h.app.metrics.registry.metrics()
    expect(metrics).toContain('edgefleet_alerts_emitted_total{kind="data-drift",state="raised"} 1')
    expect(metrics).toContain('edgefleet_alerts_emitted_total{kind="data-drift",state="cleared"} 1')
  })

  it('refuses an invalid alert and stores nothing', async () => {
    const h = await hub()
    await expect(h.app.alerts.emit({ ...raised, scope: 'fleet' })).rejects.toMatchObject({ code: 'HUB_ALERT_INVALID' })
    await expect(h.app.alerts.emit({ ...raised, v: 2 } as unknown as Alert)).rejects.toMatchObject({ code: 'HUB_ALERT_INVALID' })
    expect((await h.app.registry.listAlerts()).alerts).toEqual([])
  })

  it('posts each new alert to the configured webhooks, and a repeated id once only', async () => {
    const hook = await startWebhookReceiver(() => 200)
    cleanup.push(() => hook.close())
    const h = await hub({ webhooks: [hook.url], webhookSecret: 'a-secret-of-16-chars' })
    await h.app.alerts.emit(raised)
    await h.app.alerts.emit({ ...raised, message: 'the same id again' })
    await expect.poll(async () => (await h.app.registry.listWebhookDeliveries('al-1')).map((d) => d.state), POLL).toEqual(['delivered'])
    expect(hook.requests.map((r) => JSON.parse(r.body) as Alert)).toEqual([raised])
    expect(await h.app.registry.getAlert('al-1')).toMatchObject({ alert: { message: raised.message } })
    expect(await h.app.metrics.registry.metrics()).toContain('edgefleet_webhook_deliveries_total{outcome="delivered"} 1')
  })

  it('publishes every topic’s latest alert again after a restart (the embedded broker forgets retained messages)', async () => {
    const first = await hub()
    await first.app.alerts.emit(raised)
    await first.app.alerts.emit(cleared)
    await first.app.alerts.emit({ ...raised, id: 'al-fleet', scope: 'fleet', deviceId: undefined } as Alert)
    await first.app.close()
    const second = await hub()
    expect(await second.app.alerts.republishRetained()).toBe(2)
    await second.subscribe()
    await expect.poll(() => [...second.received].sort(), POLL).toEqual([
      'ef/v1/alerts/drift/gas-sensor/_fleet/data-drift retained qos1 raised',
      `${TOPIC} retained qos1 cleared`,
    ])
  })

  it('keeps the alert when the broker cannot take it, and counts and logs the failed publish', async () => {
    const store = await SqliteRegistry.open(join(dataDir, 'registry.db'))
    cleanup.push(() => store.close())
    const errors: string[] = []
    const failures: number[] = []
    const logger = { debug() {}, info() {}, warn() {}, error: (_o: object, m: string) => errors.push(m) }
    // a real external-broker client that was never started: every publish is refused
    const broker = new ExternalBroker({ url: 'mqtt://127.0.0.1:1', ingest: { handle: async () => ({}) as never }, registry: store, logger })
    const service = new AlertService({
      store, broker, logger,
      observer: { alertEmitted() {}, webhookAttempted() {}, alertPublishFailed: () => failures.push(1) },
      webhooks: { urls: [], timeoutMs: 1000, retry: { maxAttempts: 1, retryMs: 10, maxRetryMs: 10 } },
    })
    cleanup.push(() => service.close())
    await service.emit(raised)
    expect(await store.getAlert('al-1')).toEqual({ alert: raised, ack: null })
    expect(failures).toEqual([1])
    expect(errors).toEqual([expect.stringMatching(/stored but not published/)])
  })
})
