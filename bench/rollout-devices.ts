/**
 * Simulated devices for the rollout benchmark: real MQTT connections and the real protocol, no
 * onnxruntime. Each device subscribes to its retained `desired` topic; on a new generation it downloads
 * the target's manifest and ONNX file from the hub (HTTP Basic, its own credentials), checks the file's
 * sha256, reports `download` → `verify-digest` → `active` as deploy events, and from then on its status
 * names the new model. Statuses (with latency and inference counters for the health gates) go out every
 * `statusMs`.
 */
import { createHash } from 'node:crypto'
import { decodeChannel, deviceTopic, encodeChannel, type DeployEvent, type Desired, type Status } from '@edgefleet/protocol'
import mqtt from 'mqtt'

export interface SimDeviceOptions {
  mqttUrl: string
  id: string
  secret: string
  /** the model it runs at start */
  model: { name: string; version: string; sha256: string }
  statusMs: number
  /** per-sample latency it reports, ms */
  latencyMs: number
}

/** A GET that retries connection failures (a loaded hub may reset a connection), like the agent's downloader. */
export async function fetchRetrying(url: string, authorization?: string, attempts = 5): Promise<Response> {
  for (let i = 1; ; i++) {
    try {
      return await fetch(url, authorization ? { headers: { authorization } } : {})
    } catch (err) {
      if (i >= attempts) throw err
      await new Promise((resolve) => setTimeout(resolve, 200 * i))
    }
  }
}

/** One simulated device; `activeAt` records when each version became active, for the benchmark. */
export class SimDevice {
  readonly activeAt = new Map<string, number>()
  private client: mqtt.MqttClient | undefined
  private seq = Date.now() * 1000
  private generation = -1
  private runs = 0
  private timer: NodeJS.Timeout | undefined
  private work: Promise<void> = Promise.resolve()

  constructor(private readonly o: SimDeviceOptions) {}

  get model(): SimDeviceOptions['model'] {
    return this.o.model
  }

  async start(): Promise<void> {
    const client = await mqtt.connectAsync(this.o.mqttUrl, {
      clientId: this.o.id, username: this.o.id, password: this.o.secret, protocolVersion: 4, keepalive: 60, reconnectPeriod: 0, connectTimeout: 60_000,
    })
    this.client = client
    client.on('message', (_topic, payload) => {
      if (payload.length === 0) return
      const desired = decodeChannel('desired', payload)
      // one activation at a time, in arrival order, like the agent's deployer
      this.work = this.work.then(() => this.apply(desired)).catch(() => {})
    })
    await client.subscribeAsync(deviceTopic(this.o.id, 'desired'), { qos: 1 })
    await this.status()
    this.timer = setInterval(() => void this.status().catch(() => {}), this.o.statusMs)
  }

  private async apply(d: Desired): Promise<void> {
    if (d.generation <= this.generation || !d.active) return
    this.generation = d.generation
    const t = d.active
    if (t.version === this.o.model.version && t.sha256 === this.o.model.sha256) return
    const event = (step: DeployEvent['step'], state: DeployEvent['state'], extra: Partial<DeployEvent> = {}) =>
      this.publish('events', { v: 1, deviceId: this.o.id, seq: ++this.seq, ts: Date.now(), event: { type: 'deploy', generation: d.generation, ...(d.rolloutId ? { rolloutId: d.rolloutId } : {}), model: { name: t.name, version: t.version }, step, state, ...extra } })
    const auth = `Basic ${Buffer.from(`${this.o.id}:${this.o.secret}`).toString('base64')}`
    await event('download', 'started')
    const manifest = await fetchRetrying(t.manifestUrl, auth)
    const onnx = await fetchRetrying(t.url, auth)
    if (!manifest.ok || !onnx.ok) return void (await event('download', 'failed', { code: 'AGENT_DOWNLOAD_FAILED', message: `HTTP ${manifest.status}/${onnx.status}` }))
    await manifest.arrayBuffer()
    const sha = createHash('sha256').update(new Uint8Array(await onnx.arrayBuffer())).digest('hex')
    if (sha !== t.sha256) return void (await event('verify-digest', 'failed', { code: 'MODEL_DIGEST_MISMATCH', message: 'digest differs' }))
    this.o.model = { name: t.name, version: t.version, sha256: t.sha256 }
    this.runs = 0
    this.activeAt.set(t.version, Date.now())
    await event('active', 'succeeded')
    await this.status()
  }

  private async status(): Promise<void> {
    this.runs += Math.round(this.o.statusMs / 100)
    const s: Status = {
      v: 1, deviceId: this.o.id, state: 'online', ts: Date.now(), keepaliveS: 60, backend: 'wasm', model: this.o.model,
      counters: { predictions: this.runs * 10, invalidReadings: 0, droppedReadings: 0, errors: 0, inferenceRuns: this.runs, inferenceErrors: 0 },
      latencyMs: this.o.latencyMs, latencyP95Ms: this.o.latencyMs * 1.2,
    }
    await this.client?.publishAsync(deviceTopic(this.o.id, 'status'), encodeChannel('status', s), { qos: 1, retain: true })
  }

  private async publish(channel: 'events', message: Parameters<typeof encodeChannel<'events'>>[1]): Promise<void> {
    await this.client?.publishAsync(deviceTopic(this.o.id, channel), encodeChannel(channel, message), { qos: 1 })
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.work
    await this.client?.endAsync()
  }
}
