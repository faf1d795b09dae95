import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, loadHubConfig, verifyWebhookSignature } from '@edgefleet/hub'
import { alertExample, alertFilters, type Alert, type AlertList, type AlertView } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './helpers/agent-process.ts'
import { freePorts, startHubProcess } from './helpers/hub-process.ts'
import { MOSQUITTO_SUB_MISSING, mosquittoSubBinary } from './helpers/mosquitto.ts'
import { startMosquittoSub, type MosquittoSub } from './helpers/mosquitto-sub.ts'

/**
 * Alerts end to end: the real `edgefleet` CLI creates the credentials, an in-process hub with its
 * embedded broker emits alerts through its alert service, the real `mosquitto_sub` receives them,
 * a real HTTP server receives the webhooks, and the CLI and REST API list and acknowledge them.
 */
const binary = mosquittoSubBinary()
const WEBHOOK_SECRET = 'e2e-webhook-secret-0123'
const raised: Alert = { ...alertExample, id: 'e2e-raised', state: 'raised', ts: Date.now() - 60_000 }
const cleared: Alert = { ...alertExample, id: 'e2e-cleared', state: 'cleared', ts: Date.now() }
const TOPIC = 'ef/v1/alerts/drift/gas-sensor/pi-kitchen-01/data-drift'

it('runs against mosquitto_sub (required under CI)', (ctx) => {
  if (binary) return
  if (process.env.CI === 'true') throw new Error(MOSQUITTO_SUB_MISSING)
  ctx.skip(MOSQUITTO_SUB_MISSING)
})

describe.runIf(binary)('alerts end to end (mosquitto_sub, webhooks, CLI, REST)', () => {
  let dataDir: string
  let app: FastifyInstance
  let mqttPort: number
  let hookUrl: string
  const hooks: { body: string; signature: string | undefined }[] = []
  const subs: MosquittoSub[] = []
  const closers: (() => Promise<unknown>)[] = []
  const creds: Record<string, { name: string; secret: string }> = {}

  const edgefleet = async <T>(args: string[]): Promise<T> => {
    const r = await runCli('hub/src/cli/main.ts', [...args, '--data-dir', dataDir, '--json'])
    if (r.code !== 0) throw new Error(`edgefleet ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }

  /** `mosquitto_sub` on every drift alert as `who`, QoS 1, one message, debug output (shows the retain flag). */
  const subscribe = (who: { name: string; secret: string }, port = mqttPort): MosquittoSub => {
    const sub = startMosquittoSub(binary!, [
      '-h', '127.0.0.1', '-p', String(port), '-u', who.name, '-i', who.name, '-P', who.secret,
      '-t', alertFilters.drift(), '-q', '1', '-C', '1', '-v', '-d', '-W', '30',
    ])
    subs.push(sub)
    return sub
  }

  /** The one message a finished mosquitto_sub printed: its PUBLISH flags, topic and alert. */
  const received = async (sub: MosquittoSub): Promise<{ qos: number; retained: boolean; topic: string; alert: Alert }> => {
    const { stdout } = await sub.exited
    const flags = /received PUBLISH \(d\d, q(\d), r(\d),/.exec(stdout)
    const line = stdout.split('\n').find((l) => l.startsWith('ef/v1/alerts/'))
    if (!flags || !line) throw new Error(`mosquitto_sub received no alert:\n${stdout}`)
    const space = line.indexOf(' ')
    return { qos: Number(flags[1]), retained: flags[2] === '1', topic: line.slice(0, space), alert: JSON.parse(line.slice(space + 1)) as Alert }
  }

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ef-alerts-e2e-'))
    hooks.length = 0
    const server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8').on('data', (d: string) => (body += d))
      req.on('end', () => {
        hooks.push({ body, signature: req.headers['x-edgefleet-signature'] as string | undefined })
        // the first delivery fails: the hub retries it
        res.writeHead(hooks.length === 1 ? 503 : 204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => server.close(resolve)))
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/edgefleet`

    // credentials through the real CLI, before the hub runs
    const sub = await edgefleet<{ username: string; password: string }>(['subscriber', 'add', 'alert-reader'])
    creds.reader = { name: sub.username, secret: sub.password }
    const dev = await edgefleet<{ id: string; secret: string }>(['device', 'add', 'pi-kitchen-01'])
    creds.device = { name: dev.id, secret: dev.secret }

    const config = loadHubConfig({
      dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent',
      webhooks: hookUrl, webhookSecret: WEBHOOK_SECRET, webhookRetryMs: 50, webhookMaxRetryMs: 200,
    }, {})
    app = await build({ config })
    closers.push(() => app.close())
    await app.ready()
    mqttPort = (await app.broker.start()).mqttPort!
  })

  afterEach(async () => {
    await Promise.all(subs.splice(0).map((s) => s.stop()))
    for (const close of closers.splice(0).reverse()) await close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('a subscriber receives a raised alert live, QoS 1, on its topic', async () => {
    const sub = subscribe(creds.reader!)
    await sub.waitFor(/Subscribed \(mid: \d+\): 1\b/)
    await app.alerts.emit(raised)
    expect(await received(sub)).toEqual({ qos: 1, retained: false, topic: TOPIC, alert: raised })
  })

  it('a device credential may not subscribe to alerts', async () => {
    await app.alerts.emit(raised)
    const sub = subscribe(creds.device!)
    const { stdout, stderr } = await sub.exited
    // SUBACK 0x80 [MQTT-3.9.3]: refused, and not even the retained alert arrives
    expect(stdout).toMatch(/Subscribed \(mid: \d+\): 128/)
    expect(stderr).toContain('All subscription requests were denied')
    expect(stdout).not.toContain('PUBLISH')
  })

  it('a late subscriber gets the retained clear; the webhooks, CLI and REST API agree', async () => {
    await app.alerts.emit(raised)
    await app.alerts.emit(cleared)
    const late = subscribe(creds.reader!)
    expect(await received(late)).toEqual({ qos: 1, retained: true, topic: TOPIC, alert: cleared })

    // webhooks: both alerts, signed; the first attempt (503) retried
    await expect.poll(() => hooks.length, { timeout: 15_000 }).toBe(3)
    expect(hooks.map((h) => (JSON.parse(h.body) as Alert).id).sort()).toEqual([cleared.id, raised.id, raised.id].sort())
    for (const h of hooks) expect(verifyWebhookSignature(h.body, WEBHOOK_SECRET, h.signature)).toBe(true)

    // the CLI reads and acknowledges in the same registry the running hub writes
    const listed = await edgefleet<AlertList>(['alerts', 'list', '--device', 'pi-kitchen-01'])
    expect(listed.alerts.map((v) => [v.alert.id, v.alert.state])).toEqual([[cleared.id, 'cleared'], [raised.id, 'raised']])
    await edgefleet<AlertView>(['alerts', 'ack', raised.id, '--note', 'sensor recalibrated', '--by', 'oncall'])
    const token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
    const view = (await app.inject({ url: `/api/v1/alerts/${raised.id}`, headers: { authorization: `Bearer ${token}` } })).json() as AlertView
    expect(view).toEqual({ alert: raised, ack: { at: expect.any(Number), by: 'oncall', note: 'sensor recalibrated' } })
    const metrics = (await app.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/edgefleet_webhook_deliveries_total\{outcome="retried"\} 1/)
    expect(metrics).toMatch(/edgefleet_webhook_deliveries_total\{outcome="delivered"\} 2/)
  })

  it('a restarted `edgefleet hub` gives every alert topic its retained state back', async () => {
    await app.alerts.emit(raised)
    await app.alerts.emit(cleared)
    await app.close()
    const h = await startHubProcess({ dataDir, ports: await freePorts(3) })
    closers.push(() => h.stop('SIGKILL'))
    const late = subscribe(creds.reader!, Number(new URL(h.mqttUrl).port))
    expect(await received(late)).toEqual({ qos: 1, retained: true, topic: TOPIC, alert: cleared })
  })
})
