/**
 * A simulated fleet in its own process, so that it never shares an event loop with the broker being
 * measured: light MQTT.js devices over loopback, no onnxruntime. Forked by `hub-ingest.ts`, which
 * sends one job over IPC (see fleet-ipc.ts):
 *
 * ingest  every device publishes `Predictions` at QoS 1 with at most `window` unacknowledged, as fast
 *         as PUBACKs come back, strictly increasing seq per device; warm-up, then a measured window,
 *         then it drains what is in flight.
 * idle    every device connects (keepalive, last will), publishes its retained status once, then
 *         stays idle until the parent says stop.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { deviceTopic } from '@edgefleet/protocol'
import mqtt from 'mqtt'
import type { ChildMessage, FleetDevice, IdleJob, IngestJob, ParentMessage } from './fleet-ipc.ts'
import { predictionsMessage, statusMessage } from './fleet-messages.ts'

const DRAIN_TIMEOUT_MS = 30_000
const clients: mqtt.MqttClient[] = []

function send(m: ChildMessage): void {
  process.send?.(m)
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

function connect(url: string, d: FleetDevice, keepaliveS: number): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: d.id,
    ...(d.secret !== undefined ? { username: d.id, password: d.secret } : {}),
    protocolVersion: 4,
    keepalive: keepaliveS,
    reconnectPeriod: 0,
    connectTimeout: 60_000,
    will: { topic: deviceTopic(d.id, 'status'), payload: Buffer.from(statusMessage(d.id, 'offline', keepaliveS)), qos: 1, retain: true },
  })
}

/** Runs `fn` over `items` with at most `limit` calls pending. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
}

/** One device's publish loop: keeps `window` messages in flight until stopped, then drains. */
class DevicePublisher {
  seq = 0
  inflight = 0
  published = 0
  acked = 0
  failed = 0
  firstError: string | undefined
  private running = true
  private readonly topic: string
  private drained: (() => void) | undefined

  constructor(private readonly client: mqtt.MqttClient, private readonly id: string, private readonly items: number, private readonly window: number) {
    this.topic = deviceTopic(id, 'pred')
    // a closed connection answers nothing more: what is in flight counts as unacknowledged
    client.once('close', () => {
      this.running = false
      this.firstError ??= `${id}: connection closed by the broker`
      this.drained?.()
    })
  }

  start(): void {
    this.pump()
  }

  /** Stops issuing messages; resolves when every message in flight is answered. */
  stop(): Promise<void> {
    this.running = false
    if (this.inflight === 0 || !this.client.connected) return Promise.resolve()
    return new Promise((resolve) => (this.drained = resolve))
  }

  private pump(): void {
    while (this.running && this.inflight < this.window && this.client.connected) {
      this.inflight++
      this.published++
      this.client.publish(this.topic, predictionsMessage(this.id, ++this.seq, this.items), { qos: 1 }, (err) => this.answered(err))
    }
  }

  private answered(err: Error | undefined): void {
    this.inflight--
    if (err) {
      this.failed++
      this.firstError ??= `${this.id}: ${err.message}`
    } else this.acked++
    if (this.inflight === 0 && !this.running) this.drained?.()
    this.pump()
  }
}

async function runIngest(job: IngestJob): Promise<void> {
  const t0 = performance.now()
  const byDevice: mqtt.MqttClient[] = []
  await forEachLimit(job.devices, 50, async (d, i) => {
    clients.push((byDevice[i] = await connect(job.url, d, 60)))
  })
  send({ kind: 'connected', devices: clients.length, seconds: (performance.now() - t0) / 1000 })
  const publishers = job.devices.map((d, i) => new DevicePublisher(byDevice[i]!, d.id, job.items, job.window))
  const acked = (): number => publishers.reduce((n, p) => n + p.acked, 0)
  for (const p of publishers) p.start()
  await sleep(job.warmupS * 1000)
  send({ kind: 'window-start', at: Date.now(), acked: acked(), cpuS: cpuSeconds() })
  await sleep(job.durationS * 1000)
  send({ kind: 'window-end', at: Date.now(), acked: acked(), cpuS: cpuSeconds() })
  await Promise.race([Promise.all(publishers.map((p) => p.stop())), sleep(DRAIN_TIMEOUT_MS)])
  const sum = (f: (p: DevicePublisher) => number): number => publishers.reduce((n, p) => n + f(p), 0)
  const firstError = publishers.find((p) => p.firstError)?.firstError
  send({
    kind: 'ingest-done',
    at: Date.now(),
    published: sum((p) => p.published),
    acked: sum((p) => p.acked),
    failed: sum((p) => p.failed + p.inflight),
    payloadBytes: Buffer.byteLength(predictionsMessage(job.devices[0]!.id, 1, job.items)),
    ...(firstError ? { firstError } : {}),
  })
}

async function runIdle(job: IdleJob): Promise<void> {
  const t0 = performance.now()
  let connected = 0
  let failed = 0
  let firstError: string | undefined
  await forEachLimit(job.devices, job.concurrency, async (d) => {
    try {
      const client = await connect(job.url, d, job.keepaliveS)
      clients.push(client)
      await client.publishAsync(deviceTopic(d.id, 'status'), statusMessage(d.id, 'online', job.keepaliveS), { qos: 1, retain: true })
      connected++
    } catch (err) {
      failed++
      firstError ??= `${d.id}: ${(err as Error).message}`
    }
  })
  send({ kind: 'idle-connected', connected, failed, seconds: (performance.now() - t0) / 1000, ...(firstError ? { firstError } : {}) })
}

/** Disconnects every device (gracefully: no last wills) and exits. */
async function shutdown(code: number): Promise<never> {
  await Promise.race([Promise.all(clients.splice(0).map((c) => c.endAsync(false).catch(() => {}))), sleep(10_000)])
  process.exit(code)
}

process.on('message', (m: ParentMessage) => {
  if (m.kind === 'stop') return void shutdown(0)
  const run = m.kind === 'ingest' ? runIngest(m) : runIdle(m)
  run.catch((err: Error) => send({ kind: 'failed', message: err.message }))
})
// the parent went away (crashed or was killed): do not linger with thousands of sockets
process.on('disconnect', () => void shutdown(1))
send({ kind: 'ready' })
