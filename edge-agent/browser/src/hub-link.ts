import mqtt, { type MqttClient } from 'mqtt'
import { deviceTopic, encodeChannel, type Command, type Desired, type Status } from '@edgefleet/protocol'
import { AgentError } from '../../src/errors.ts'
import { reconnectDelayMs } from '../../src/uplink/backoff.ts'
import { decodeDownlink } from '../../src/uplink/downlink.ts'
import type { MemoryOutbox } from './memory-outbox.ts'

/** The link's state, for the page. */
export type LinkState = { state: 'connecting' } | { state: 'online' } | { state: 'offline'; why: string } | { state: 'refused'; why: string }

/** Options of {@link HubLink}. */
export interface HubLinkOptions {
  /** MQTT over WebSocket, from the hub's /agent/config.json */
  url: string
  deviceId: string
  secret: string
  keepaliveS: number
  outbox: MemoryOutbox
  /** the current online status (published retained on connect and by {@link HubLink.publishStatus}) */
  status: () => Status
  /** the offline status: the last will (`lwt`) and the goodbye (`shutdown`) */
  offline: (reason: 'lwt' | 'shutdown') => Status
  onDesired: (d: Desired) => void
  onCommand: (c: Command) => void
  /** a hub-to-device message that failed its schema (it is dropped) */
  onInvalid: (why: string) => void
  onState: (s: LinkState) => void
}

/** unacknowledged messages at once: enough to keep the socket busy, bounded so a reconnect resends little twice */
const MAX_IN_FLIGHT = 32
const STABLE_MS = 10_000

/**
 * The device's MQTT 3.1.1 session over WebSocket, as the Node agent's HubConnection keeps it: client
 * id = user name = device id, password = secret, a persistent session, the retained offline status as
 * last will, reconnects on our own backoff (a fresh mqtt.js client each time), refusals of the
 * credentials final. On each connect it subscribes to its `desired` and `cmd` topics, publishes its
 * retained status, then drains the outbox in order (QoS 1; a message leaves the outbox on its PUBACK).
 */
export class HubLink {
  private client: MqttClient | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private attempt = 0
  private stopped = false
  private inFlight = 0

  constructor(private readonly o: HubLinkOptions) {}

  start(): void {
    this.connect()
  }

  get online(): boolean {
    return this.client?.connected === true
  }

  /** Publishes the retained status now (when connected). */
  publishStatus(): void {
    if (this.online) this.client!.publish(deviceTopic(this.o.deviceId, 'status'), encodeChannel('status', this.o.status()), { qos: 1, retain: true })
  }

  /** Sends what the outbox holds and the connection has room for, oldest first. */
  pump(): void {
    const client = this.client
    if (!client?.connected) return
    for (const message of this.o.outbox.unsent()) {
      if (this.inFlight >= MAX_IN_FLIGHT) return
      message.sent = true
      this.inFlight++
      client.publish(message.topic, message.payload, { qos: 1 }, (err) => {
        if (client !== this.client) return
        this.inFlight--
        if (!err) this.o.outbox.acknowledge(message)
        this.pump()
      })
    }
  }

  /**
   * The browser lost the network (its `offline` event): drop the connection now rather than after the
   * keep-alive runs out, so messages queue (and the page says so) from this moment.
   */
  dropNow(): void {
    this.client?.stream.destroy()
  }

  /** The network is back (the browser's `online` event): try now rather than when the backoff says. */
  reconnectNow(): void {
    if (this.stopped || this.client !== undefined) return
    clearTimeout(this.timer)
    this.attempt = 0
    this.connect()
  }

  /** Stops: with a retained `shutdown` status and a DISCONNECT when connected (the will is then not sent). */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    const client = this.client
    this.client = undefined
    if (!client) return
    if (client.connected) await client.publishAsync(deviceTopic(this.o.deviceId, 'status'), encodeChannel('status', this.o.offline('shutdown')), { qos: 1, retain: true }).catch(() => undefined)
    await client.endAsync(!client.connected).catch(() => undefined)
  }

  private connect(): void {
    const { o } = this
    o.onState({ state: 'connecting' })
    const client = mqtt.connect(o.url, {
      protocolVersion: 4,
      clientId: o.deviceId,
      username: o.deviceId,
      password: o.secret,
      clean: false,
      keepalive: o.keepaliveS,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      resubscribe: false,
      will: { topic: deviceTopic(o.deviceId, 'status'), payload: encodeChannel('status', o.offline('lwt')), qos: 1, retain: true },
    })
    this.client = client
    let connectedAt: number | undefined
    client.on('connect', () => {
      if (client !== this.client) return
      connectedAt = Date.now()
      this.inFlight = 0
      client.subscribe([deviceTopic(o.deviceId, 'desired'), deviceTopic(o.deviceId, 'cmd')], { qos: 1 })
      this.publishStatus()
      o.onState({ state: 'online' })
      this.pump()
    })
    client.on('message', (topic, payload) => {
      if (client !== this.client) return
      const m = decodeDownlink(o.deviceId, topic, payload)
      if (m === undefined) return
      if ('error' in m) o.onInvalid(m.error)
      else if (m.channel === 'desired') o.onDesired(m.value)
      else o.onCommand(m.value)
    })
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code
      // CONNACK return codes [MQTT-3.2.2.3]: 2 identifier rejected, 4 bad user name or password, 5 not authorized
      if (code === 2 || code === 4 || code === 5) this.refuse(new AgentError('AGENT_HUB_AUTH_FAILED', `the hub refused device ${o.deviceId} (${err.message}): its secret changed or it was removed; open a new provisioning link (edgefleet device rotate-secret ${o.deviceId} --link <hub-url>)`))
    })
    client.on('close', () => {
      if (client !== this.client) return
      this.client = undefined
      client.end(true)
      this.o.outbox.resendAll()
      if (connectedAt !== undefined && Date.now() - connectedAt >= STABLE_MS) this.attempt = 0
      if (this.stopped) return
      const delay = reconnectDelayMs(this.attempt++)
      o.onState({ state: 'offline', why: `${connectedAt === undefined ? 'cannot reach' : 'lost'} the hub's broker at ${o.url}; trying again in ${(delay / 1000).toFixed(1)} s` })
      this.timer = setTimeout(() => this.connect(), delay)
    })
  }

  private refuse(err: AgentError): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.o.onState({ state: 'refused', why: err.message })
  }
}
