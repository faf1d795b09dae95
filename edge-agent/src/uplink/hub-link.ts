import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import { deviceTopic, encodeChannel, type ChannelPayloads, type Command, type Desired } from '@edgefleet/protocol'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import type { BackoffOptions } from './backoff.ts'
import { decodeDownlink } from './downlink.ts'
import { HubConnection } from './hub-connection.ts'
import { OutboxSender } from './outbox-sender.ts'
import { Outbox, type OutboxChannel, type Uplink } from './outbox.ts'
import { offlineStatus, onlineStatus, type StatusDetails } from './status.ts'

/** Options of {@link HubLink.create}. */
export interface HubLinkOptions {
  /** the hub's broker: `mqtt://host:1883`, `mqtts://…`, `ws://host:port/path` or `wss://…` */
  url: string
  /** this device's id: MQTT client id and user name, and a level of its topics */
  deviceId: string
  /** the device's secret (MQTT password); never logged */
  secret: string
  /** where the outbox and seq live (default `.edgefleet-agent/<deviceId>` under the working directory) */
  stateDir?: string
  /** MQTT keepalive, s (default 30): the broker fires the last will after 1.5× this without traffic */
  keepaliveS?: number
  /** how often the retained online status is re-published, s (default 30) */
  statusIntervalS?: number
  /** most messages sent and not yet acknowledged (default 64) */
  maxInflight?: number
  /** bound on the outbox, bytes (default 64 MiB) */
  outboxMaxBytes?: number
  /** how long `close()` tries to drain the outbox, ms (default 5000) */
  drainTimeoutMs?: number
  /** reconnect schedule (see backoff.ts) */
  reconnect?: BackoffOptions
  /** CA certificates (PEM text) trusted for mqtts:// and wss:// besides the system's (`--ca`) */
  ca?: string | undefined
  /** what each status message says about the agent: model, backend, counters */
  describe?: () => StatusDetails
  logger?: Logger
}

/** Events of a {@link HubLink}. `fatal` means the hub refused the device and the link has given up. */
export interface HubLinkEvents {
  connected: []
  disconnected: []
  desired: [Desired]
  command: [Command]
  fatal: [AgentError]
}

/** What the link did in this process, for the run summary. */
export interface UplinkFigures {
  /** messages handed to the outbox (dropped ones included) */
  enqueued: number
  /** messages the broker acknowledged (PUBACK), including ones left by an earlier run */
  sent: number
  /** messages dropped because the outbox was full */
  dropped: number
  droppedByChannel: Partial<Record<OutboxChannel, number>>
  /** messages still in the outbox, sent on the next run */
  left: number
  /** hub-to-device messages refused as invalid */
  invalidDownlink: number
}

const LOGGED_INVALID_DOWNLINK = 10
const OFFLINE_STATUS_WAIT_MS = 1000

/**
 * The agent's link to the hub (MQTT 3.1.1, QoS 1). Uplink messages go through the on-disk outbox and
 * are sent in seq order, at most `maxInflight` unacknowledged, each removed on its PUBACK; after a
 * reconnect the unacknowledged ones are sent again (same seq: the hub stores (deviceId, seq) once).
 * Publishes a retained online status on connect and every status interval, with a retained offline
 * last will; validates what arrives on its `desired` and `cmd` topics and emits it.
 */
export class HubLink extends EventEmitter<HubLinkEvents> implements Uplink {
  readonly deviceId: string
  private client: MqttClient | undefined
  private statusTimer: NodeJS.Timeout | undefined
  private readonly sender: OutboxSender
  private readonly startedAt = Date.now()
  private invalidDownlink = 0
  private closing: Promise<UplinkFigures> | undefined
  private readonly connection: HubConnection
  private readonly logger: Logger
  /** set when the hub refused the device (wrong secret…): the link has stopped trying */
  failure: AgentError | undefined

  private constructor(private readonly o: HubLinkOptions, private readonly outbox: Outbox) {
    super()
    this.deviceId = o.deviceId
    this.logger = o.logger ?? silentLogger
    this.sender = new OutboxSender(outbox, o.maxInflight ?? 64)
    this.connection = new HubConnection(
      { url: o.url, deviceId: o.deviceId, secret: o.secret, ca: o.ca, keepaliveS: this.keepaliveS, reconnect: o.reconnect ?? {}, logger: this.logger, will: () => ({ topic: this.topic('status'), payload: encodeChannel('status', offlineStatus(o.deviceId, 'lwt')) }) },
      { onUp: (c) => this.handleUp(c), onDown: () => this.handleDown(), onMessage: (t, p) => this.handleDownlink(t, p), onFatal: (e) => this.handleFatal(e) },
    )
  }

  /** Opens the outbox in the state directory and starts connecting (it does not wait for the hub). */
  static async create(o: HubLinkOptions): Promise<HubLink> {
    if (!/^(mqtts?|wss?):\/\//.test(o.url)) throw new AgentError('AGENT_USAGE', `hub URL ${o.url} must start with mqtt://, mqtts://, ws:// or wss://`)
    try {
      deviceTopic(o.deviceId, 'status')
    } catch (cause) {
      throw new AgentError('AGENT_USAGE', `${(cause as Error).message} (a device id is 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit)`, { cause })
    }
    const outbox = await Outbox.open({ dir: o.stateDir ?? join('.edgefleet-agent', o.deviceId), deviceId: o.deviceId, maxBytes: o.outboxMaxBytes, logger: o.logger })
    const link = new HubLink(o, outbox)
    link.connection.start()
    return link
  }

  /** The seq the outbox gives the next message (journals beside the outbox compare theirs with it on start). */
  get nextSeq(): number {
    return this.outbox.nextSeq
  }

  /** True while a session with the hub is up. */
  get connected(): boolean {
    return this.client !== undefined
  }

  enqueue<C extends OutboxChannel>(channel: C, build: (seq: number) => ChannelPayloads[C]): number {
    if (this.closing) throw new AgentError('AGENT_OUTBOX_FAILED', 'the hub link is closing: nothing more can be sent')
    const seq = this.outbox.enqueue(channel, build)
    this.sender.pump()
    return seq
  }

  /** Messages enqueued, sent, dropped and left, by this process. */
  figures(): UplinkFigures {
    const byChannel = Object.entries(this.outbox.counts.dropped).filter(([, n]) => n > 0)
    return {
      enqueued: this.outbox.counts.enqueued,
      sent: this.outbox.counts.acked,
      dropped: byChannel.reduce((a, [, n]) => a + n, 0),
      droppedByChannel: Object.fromEntries(byChannel),
      left: this.outbox.depth,
      invalidDownlink: this.invalidDownlink,
    }
  }

  /**
   * Drains the outbox for up to `timeoutMs` (default: the `drainTimeoutMs` option), or until `signal`
   * aborts; then publishes the retained offline status (reason `shutdown`), disconnects cleanly (so the
   * will is not sent) and closes the outbox. Undrained messages stay on disk for the next run.
   */
  close(o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<UplinkFigures> {
    this.closing ??= (async () => {
      if (!this.failure) await this.sender.waitDrained(o.timeoutMs ?? this.o.drainTimeoutMs ?? 5000, o.signal)
      clearInterval(this.statusTimer)
      const client = this.client
      if (client) {
        // the retained offline status replaces the online one; not waiting long: the hub may be gone
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, OFFLINE_STATUS_WAIT_MS)
          client.publish(this.topic('status'), encodeChannel('status', offlineStatus(this.deviceId, 'shutdown')), { qos: 1, retain: true }, () => (clearTimeout(t), resolve()))
        })
      }
      this.client = undefined
      this.sender.detach()
      await this.connection.stop(true)
      await this.outbox.close()
      const figures = this.figures()
      this.logger.info({ ...figures }, 'hub link closed')
      return figures
    })()
    return this.closing
  }

  private get keepaliveS(): number {
    return this.o.keepaliveS ?? 30
  }

  private topic(channel: 'status' | 'desired' | 'cmd'): string {
    return deviceTopic(this.deviceId, channel)
  }

  private handleUp(client: MqttClient): void {
    this.client = client
    this.publishStatus()
    this.statusTimer = setInterval(() => this.publishStatus(), (this.o.statusIntervalS ?? 30) * 1000).unref()
    // resubscribing is harmless when the broker kept the session, and needed when it did not
    client.subscribe([this.topic('desired'), this.topic('cmd')], { qos: 1 }, (err, granted) => {
      if (err || granted?.some((g) => g.qos === 128)) this.logger.warn({ err: err?.message }, 'the hub refused the desired/cmd subscriptions; commands will not arrive')
    })
    this.sender.attach(client)
    this.emit('connected')
  }

  private handleDown(): void {
    this.client = undefined
    clearInterval(this.statusTimer)
    this.sender.detach()
    this.emit('disconnected')
  }

  private handleFatal(err: AgentError): void {
    this.failure = err
    this.sender.wake()
    // an owner listening for `fatal` reports the error itself; otherwise the log is the only trace
    if (this.listenerCount('fatal') === 0) this.logger.error({ code: err.code }, err.message)
    this.emit('fatal', err)
  }

  /**
   * Publishes the retained online status now (it is also published on connect and every status
   * interval), e.g. when the drift state changed. Does nothing while disconnected: the next connect publishes it.
   */
  publishStatus(): void {
    const client = this.client
    if (!client) return
    let payload: string
    try {
      payload = encodeChannel('status', onlineStatus({
        deviceId: this.deviceId,
        keepaliveS: this.keepaliveS,
        uptimeS: Math.floor((Date.now() - this.startedAt) / 1000),
        queue: { depth: this.outbox.depth, dropped: this.outbox.droppedTotal },
        details: this.o.describe?.() ?? {},
      }))
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'cannot build the status message')
      return
    }
    client.publish(this.topic('status'), payload, { qos: 1, retain: true })
  }

  private handleDownlink(topic: string, payload: Buffer): void {
    const message = decodeDownlink(this.deviceId, topic, payload)
    if (message === undefined) return
    if ('error' in message) {
      if (++this.invalidDownlink <= LOGGED_INVALID_DOWNLINK) this.logger.warn({ topic, err: message.error }, 'ignoring an invalid message from the hub')
      return
    }
    if (message.channel === 'desired') this.emit('desired', message.value)
    else this.emit('command', message.value)
  }
}
