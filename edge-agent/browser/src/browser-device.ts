import { ProtocolError, type ChannelPayloads, type Command, type DeviceEvent, type Desired, type Status } from '@edgefleet/protocol'
import { runActivation, type ActivationContext, type ProvenModel } from './activation.ts'
import type { BackendPreference } from './backend-choice.ts'
import { HubLink, type LinkState } from './hub-link.ts'
import { MemoryOutbox, persistentSeq, type OutboxChannel } from './memory-outbox.ts'
import type { HubKey } from './model-signature.ts'
import { webgpuAdapter, type RuntimeSettings } from './ort-session.ts'
import type { Provisioning } from './provisioning.ts'
import { runSelfTest } from './self-test.ts'
import { Serving } from './serving.ts'
import { ServingStats } from './serving-stats.ts'
import type { StatusView } from './status-view.ts'

/** Options of {@link BrowserDevice}. */
export interface BrowserDeviceOptions {
  provisioning: Provisioning
  hub: HubKey
  mqttUrl: string
  runtime: RuntimeSettings
  view: StatusView
  video: HTMLVideoElement
  overlay: HTMLCanvasElement
  /** the backend the person asked for (`/agent?backend=webgpu|wasm`); default `auto` */
  preference?: BackendPreference
  /** seconds between status messages (default 5) */
  statusIntervalS?: number
  /** largest ONNX file accepted, bytes (default 256 MiB) */
  maxModelBytes?: number
}

const KEEPALIVE_S = 30

/**
 * A browser tab as an edgefleet device: the hub link, the desired state's activations (one at a time,
 * the newest generation winning), the camera loop, and the status it reports to the hub and shows on
 * the page.
 */
export class BrowserDevice {
  private readonly outbox: MemoryOutbox
  private readonly link: HubLink
  private readonly stats = new ServingStats()
  private readonly serving: Serving
  private readonly startedAt = Date.now()
  private generation = -1
  private queued: Desired | undefined
  private activating: Promise<void> | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  private lastStatusAt = 0

  constructor(private readonly o: BrowserDeviceOptions) {
    const { deviceId, secret } = o.provisioning
    this.outbox = new MemoryOutbox({ deviceId, nextSeq: persistentSeq(localStorage, deviceId) })
    this.serving = new Serving({
      video: o.video, overlay: o.overlay, view: o.view, stats: this.stats,
      publishPredictions: (model, items) => this.send('pred', (seq) => ({ v: 1, deviceId, seq, ts: Date.now(), model, items })),
      publishDrift: (model, c) => this.send('drift', (seq) => ({ v: 1, deviceId, seq, ts: Date.now(), model, window: c.window, features: c.features, outputs: c.outputs })),
    })
    this.link = new HubLink({
      url: o.mqttUrl, deviceId, secret, keepaliveS: KEEPALIVE_S, outbox: this.outbox,
      status: () => this.status(),
      offline: (reason) => ({ v: 1, deviceId, state: 'offline', ts: Date.now(), reason, agentVersion: __EF_AGENT_VERSION__ }),
      onDesired: (d) => this.handleDesired(d),
      onCommand: (c) => void this.handleCommand(c),
      onInvalid: (why) => o.view.log(`ignored a message from the hub: ${why}`, 'bad'),
      onState: (s) => this.showLink(s),
    })
  }

  start(): void {
    addEventListener('online', this.onOnline)
    addEventListener('offline', this.onOffline)
    this.link.start()
    this.serving.start()
    this.timer = setInterval(() => this.tick(), 1000)
  }

  /** Says goodbye to the hub (retained `shutdown` status) and stops. */
  async stop(): Promise<void> {
    removeEventListener('online', this.onOnline)
    removeEventListener('offline', this.onOffline)
    clearInterval(this.timer)
    this.serving.stop()
    await this.link.stop()
  }

  private readonly onOnline = (): void => this.link.reconnectNow()
  private readonly onOffline = (): void => this.link.dropNow()

  private tick(): void {
    this.serving.tick()
    const { view } = this.o
    const now = performance.now()
    const fps = this.stats.fps(now)
    view.set('fps', this.serving.model ? fps.toFixed(1) : '–')
    const latency = this.stats.recentLatencyMs()
    if (latency !== undefined) view.set('latency', `${latency.toFixed(1)} ms per frame`)
    view.set('queue', `${this.outbox.depth} message(s)${this.outbox.dropped > 0 ? `, ${this.outbox.dropped} dropped while offline` : ''}`, this.outbox.dropped > 0 ? 'bad' : 'neutral')
    view.set('drift', String(this.serving.driftWindows))
    if (Date.now() - this.lastStatusAt >= (this.o.statusIntervalS ?? 5) * 1000) this.link.publishStatus()
  }

  private status(): Status {
    this.lastStatusAt = Date.now()
    const served = this.serving.model
    const interval = this.stats.takeInterval()
    return {
      v: 1, deviceId: this.o.provisioning.deviceId, state: 'online', ts: Date.now(), agentVersion: __EF_AGENT_VERSION__,
      ...(served ? { backend: served.choice.backend } : {}),
      keepaliveS: KEEPALIVE_S,
      model: served ? served.ref : null,
      uptimeS: Math.floor((Date.now() - this.startedAt) / 1000),
      queue: { depth: this.outbox.depth, dropped: this.outbox.dropped },
      ...interval,
    }
  }

  /** Queues an uplink message and sends it when the link is up; one the protocol refuses is shown, never sent. */
  private send<C extends OutboxChannel>(channel: C, build: (seq: number) => ChannelPayloads[C]): void {
    try {
      this.outbox.enqueue(channel, build)
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err
      this.o.view.log(`a ${channel} message was not sent: ${err.message}`, 'bad')
      return
    }
    this.link.pump()
  }

  private event(event: DeviceEvent['event']): void {
    const deviceId = this.o.provisioning.deviceId
    this.send('events', (seq) => ({ v: 1, deviceId, seq, ts: Date.now(), event }))
  }

  private handleDesired(d: Desired): void {
    // the broker re-delivers the retained desired state on every connect: each generation once
    if (d.generation <= this.generation) return
    this.generation = d.generation
    this.queued = d
    this.activating ??= this.drain().finally(() => (this.activating = undefined))
  }

  private async drain(): Promise<void> {
    for (let d = this.queued; d; d = this.queued) {
      this.queued = undefined
      await this.apply(d)
    }
  }

  private async apply(d: Desired): Promise<void> {
    const { view } = this.o
    if (d.shadow) {
      const model = { name: d.shadow.name, version: d.shadow.version }
      this.event({ type: 'deploy', generation: d.generation, role: 'shadow', model, step: 'received', state: 'failed', code: 'AGENT_SWAP_FAILED', message: 'the browser agent does not run shadow candidates: leave browser devices out of shadow stages' })
    }
    if (d.active === null) {
      await this.serving.swap(undefined)
      view.set('model', 'none: the hub wants this device to serve nothing')
      view.set('backend', '–')
      this.link.publishStatus()
      return
    }
    view.set('model', `${d.active.name}@${d.active.version}: activating`)
    try {
      await runActivation(d, d.active, this.activationContext())
    } catch (err) {
      view.set('model', `${d.active.name}@${d.active.version} refused: ${(err as Error).message}`, 'bad')
      if (this.serving.model) view.log(`still serving ${this.serving.model.ref.name}@${this.serving.model.ref.version}`)
    }
  }

  private activationContext(): ActivationContext {
    const { o } = this
    return {
      credentials: { deviceId: o.provisioning.deviceId, secret: o.provisioning.secret },
      hub: o.hub,
      maxModelBytes: o.maxModelBytes ?? 256 * 1024 * 1024,
      served: () => this.serving.model?.ref,
      swap: async (model) => this.swapIn(model),
      webgpu: webgpuAdapter,
      preference: o.preference ?? 'auto',
      now: Date.now,
      report: (e) => {
        if (e.state !== 'progress') o.view.log(`${e.model.name}@${e.model.version} ${e.step} ${e.state}${e.message ? `: ${e.message}` : ''}`, e.state === 'failed' ? 'bad' : 'neutral')
        this.event(e)
      },
    }
  }

  private async swapIn(model: ProvenModel): Promise<void> {
    await this.serving.swap(model)
    const { view, runtime } = this.o
    const { backend, reason } = model.choice
    const how = backend === 'wasm' ? `wasm, ${runtime.threads} thread(s)` : 'webgpu'
    view.set('model', `${model.ref.name}@${model.ref.version}`, 'good')
    // the reason starts with the backend's name: say it once
    view.set('backend', `${how} — ${reason.slice(backend.length + 2)}`, 'good')
    this.link.publishStatus()
  }

  /** Runs a hub command: `self-test` on the served model; the others are not for browser devices. */
  private async handleCommand(c: Command): Promise<void> {
    const served = this.serving.model
    if (c.cmd.type === 'self-test' && served) {
      try {
        const r = await runSelfTest(served.manifest, served.session)
        this.event({ type: 'command-result', commandId: c.id, ok: true, message: `${r.vectors} vector(s) passed on ${served.choice.backend}` })
      } catch (err) {
        this.event({ type: 'command-result', commandId: c.id, ok: false, code: 'MODEL_SELF_TEST_FAILED', message: (err as Error).message })
      }
      return
    }
    const why = c.cmd.type === 'self-test' ? 'no model is served yet' : `the browser agent does not run ${c.cmd.type} commands`
    this.event({ type: 'command-result', commandId: c.id, ok: false, code: 'AGENT_COMMAND_UNKNOWN', message: why })
  }

  private showLink(s: LinkState): void {
    const { view } = this.o
    if (s.state === 'online') {
      view.set('hub', `connected (${this.o.mqttUrl})`, 'good')
      view.log('connected to the hub')
    } else if (s.state === 'connecting') view.set('hub', `connecting to ${this.o.mqttUrl}…`)
    else {
      view.set('hub', s.why, 'bad')
      view.log(s.why, 'bad')
    }
  }
}
