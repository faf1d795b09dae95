import { allDevicesFilter, decodeChannel, hubInstancesFilter, sharedFilter, TOPIC_PREFIX, UPLINK_CHANNELS } from '@edgefleet/protocol'
import mqtt, { type AckHandler, type IClientOptions, type MqttClient } from 'mqtt'
import { HubError } from '../errors.ts'
import type { Ingest } from '../ingest/ingest.ts'
import type { RegistryStore } from '../registry/registry-store.ts'
import { ackAfterStore, deliver, type Delivery } from './ack-after-store.ts'
import type { HubBroker } from './broker.ts'
import { redactUrl, waitForFirstConnect } from './first-connect.ts'
import { ReconnectBackoff } from './reconnect-backoff.ts'
import { takeOverSession, type TakeoverResult } from './session-takeover.ts'
import { instanceMessageHandler, instanceWill, leaveSharedGroup, onlineStatus, type SharedMembership } from './shared-membership.ts'
import { within } from './within.ts'

/** Options of {@link ExternalBroker}. */
export interface ExternalBrokerOptions {
  /** the broker: mqtt://, mqtts://, ws:// or wss:// URL */
  url: string
  /** the hub's user name and password at the broker */
  username?: string
  password?: string
  /** client id of the hub's persistent session (default `edgefleet-hub`, or the instance id when sharing); one running hub per id */
  clientId?: string
  /**
   * several hub instances on this broker: subscribe as one member of an MQTT 5 shared subscription
   * group, so the broker splits device traffic across them (./shared-membership.ts)
   */
  shared?: SharedMembership | undefined
  ingest: Pick<Ingest, 'handle'>
  /** only registered devices' messages are ingested, as only they can log in to the embedded broker */
  registry: Pick<RegistryStore, 'getDevice'>
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void }
  /** with mqtts:// or wss://: trust this CA certificate (PEM text) for the broker, besides the system's */
  ca?: string | undefined
  /** how long start() waits for the broker before it fails (default 10 s) */
  connectTimeoutMs?: number
  /** first and longest delay between reconnect attempts (default 1 s and 30 s) */
  reconnect?: { initialMs: number; maxMs: number }
}

/** How long the broker keeps the hub's session (subscriptions, queued messages) while the hub is away. */
const SESSION_EXPIRY_S = 7 * 24 * 3600
const CLOSE_TIMEOUT_MS = 5000
/**
 * MQTT keepalive of a shared-group member, seconds (mqtt.js's default). Not shorter: mqtt.js handles incoming
 * packets one at a time, after each store (ack-after-store.ts), so a PINGRESP queued behind a backlog arrives
 * late; with 15 s we saw keepalive timeouts while an instance drained a dead member's session on a busy machine
 */
const SHARED_KEEPALIVE_S = 60

/**
 * The hub as a client of an existing broker (Mosquitto, EMQX, HiveMQ) instead of the embedded aedes.
 *
 * Authentication and authorisation are the broker's job in this mode: it must admit each device with
 * its own user name (= device id) and password, and restrict topics as hub/src/auth/acl.ts does. For
 * Mosquitto (`password_file` from `mosquitto_passwd`, and `use_username_as_clientid true` so that no
 * one takes over a device's session by its client id), this `acl_file` says the same:
 *
 * ```
 * pattern write ef/v1/dev/%u/status      # … and pred, drift, samples, labels, events: own uplink only
 * pattern read ef/v1/dev/%u/desired      # … and cmd: own downlink only
 * user <hub user>
 * topic readwrite ef/v1/#
 * user <alert subscriber>                # one block per subscriber
 * topic read ef/v1/alerts/#
 * ```
 *
 * Mosquitto drops a refused publish (MQTT 5: PUBACK 0x87) and never delivers what a reader may not
 * read (it grants the SUBSCRIBE itself). Pattern lines apply to every user, so device ids and other
 * user names must not collide. While the hub is away the broker queues for its session: raise
 * Mosquitto's `max_queued_messages` (default 1000, then it drops) and turn on `persistence` so a
 * broker restart keeps them.
 *
 * Only devices in the hub's registry are ingested: a device must exist at the broker (user name and
 * password) and at the hub (`edgefleet device add`); messages of others are acknowledged and dropped.
 *
 * Delivery: the hub keeps a persistent MQTT 5 session (clean start off, a stable client id) with QoS 1
 * subscriptions to every device's uplink channels, and acknowledges each message only after ingest
 * has stored it (./ack-after-store.ts), so a hub that is down or crashes loses nothing the broker
 * still holds. Presence comes from the devices' retained `status` and their last wills, which ingest
 * stores like any status. The hub cannot disconnect a device here: that is done at the broker.
 */
export class ExternalBroker implements HubBroker {
  readonly kind = 'external' as const
  private client: MqttClient | undefined
  private readonly online = new Set<string>()
  private readonly inflight = new Set<Promise<unknown>>()
  private readonly backoff: ReconnectBackoff
  /** the last message could not be stored: keep backing off reconnects until one is stored */
  private storeFailing = false
  private ignored = 0
  private rejected = 0
  private lastMessageAt = 0

  /** Does no I/O: {@link start} connects. */
  constructor(private readonly o: ExternalBrokerOptions) {
    this.backoff = new ReconnectBackoff(o.reconnect?.initialMs ?? 1000, o.reconnect?.maxMs ?? 30_000)
  }

  /** This instance's shared-group membership (--shared-group), if any. */
  get membership(): SharedMembership | undefined {
    return this.o.shared
  }

  /** Messages on topics that are no device uplink topic, ignored since start. */
  get ignoredMessages(): number {
    return this.ignored
  }

  /** Device messages the hub refused for good (e.g. from a device it does not know), dropped since start. */
  get rejectedMessages(): number {
    return this.rejected
  }

  async start(): Promise<{ mqttPort: number | null; wsPort: number | null }> {
    const { o } = this
    const url = redactUrl(o.url)
    const tracked: Pick<Ingest, 'handle'> = { handle: (...args) => this.track(this.ingestKnown(...args)) }
    const options: IClientOptions = {
      protocolVersion: 5, // mqtt.js honours customHandleAcks with MQTT 5 only
      clean: false,
      clientId: o.shared?.instanceId ?? o.clientId ?? 'edgefleet-hub',
      properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
      // a dead instance is noticed by its last will: at the latest 1.5 keepalives after it stopped answering
      ...(o.shared ? { keepalive: SHARED_KEEPALIVE_S, will: instanceWill(o.shared) } : {}),
      reconnectPeriod: this.backoff.initialMs,
      reconnectOnConnackError: true,
      connectTimeout: Math.min(o.connectTimeoutMs ?? 10_000, 30_000),
      customHandleAcks: this.handleAcks(tracked, () => {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
    }
    const client = mqtt.connect(o.url, options)
    this.client = client
    client.on('error', (err) => o.logger.error({ broker: url, err: err.message }, 'MQTT broker connection error'))
    client.on('offline', () => o.logger.warn({ broker: url }, 'lost the MQTT broker; reconnecting'))
    client.on('reconnect', () => {
      client.options.reconnectPeriod = this.backoff.next()
    })
    let first = true
    client.on('connect', (connack) => {
      if (!this.storeFailing) this.reset()
      o.logger.info({ broker: url, sessionPresent: connack.sessionPresent }, 'connected to the external MQTT broker')
      // a reconnect after the broker published our last will: the leader may have taken our session over
      // (and dropped its subscriptions) meanwhile; subscribe again and say we are back
      if (o.shared && !first) void this.join(client).catch((err: Error) => o.logger.warn({ broker: url, err: err.message }, 'cannot rejoin the shared group; retrying at the next reconnect'))
      first = false
    })
    // QoS 0 messages bypass customHandleAcks: nothing to acknowledge, store them as they come
    client.on('message', (topic, payload, packet) => {
      if (packet.qos !== 0) return
      deliver(tracked, topic, payload).then(
        (d) => this.onDelivered(d),
        (err: Error) => o.logger.warn({ topic, err: err.message }, 'store failed for a QoS 0 message; it is lost'),
      )
    })
    try {
      await waitForFirstConnect(client, url, o.connectTimeoutMs ?? 10_000)
      await this.join(client)
    } catch (err) {
      this.client = undefined
      await client.endAsync(true)
      throw err
    }
    return { mqttPort: null, wsPort: null }
  }

  publish(topic: string, payload: string, options: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<void> {
    if (!this.client) return Promise.reject(new HubError('HUB_BROKER_UNREACHABLE', `not connected to the MQTT broker at ${redactUrl(this.o.url)}: start the broker connection first`))
    return this.client.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain ?? false }).then(() => undefined)
  }

  /** Devices whose last status (retained, or their last will) said online. */
  connectedDevices(): ReadonlySet<string> {
    return new Set(this.online)
  }

  /** An external broker cannot be forced from here: revoke the device's credentials at the broker. */
  disconnect(deviceId: string): void {
    this.o.logger.warn(
      { deviceId, broker: redactUrl(this.o.url) },
      'cannot disconnect a device from an external broker: remove its user at the broker (Mosquitto: delete it from password_file, then SIGHUP mosquitto) to keep it out',
    )
  }

  /**
   * Takes over and drains the session of another instance of the group that died
   * (./session-takeover.ts), storing its messages like this instance's own.
   */
  takeOver(instanceId: string): Promise<TakeoverResult> {
    const { o } = this
    const tracked: Pick<Ingest, 'handle'> = { handle: (...args) => this.track(this.ingestKnown(...args)) }
    return takeOverSession({
      url: o.url,
      connect: { ...(o.username !== undefined ? { username: o.username } : {}), ...(o.password !== undefined ? { password: o.password } : {}), ...(o.ca !== undefined ? { ca: o.ca } : {}) },
      clientId: instanceId,
      filters: this.deviceFilters(),
      handleAcks: (onMessage) => this.handleAcks(tracked, onMessage),
    })
  }

  async close(): Promise<void> {
    const client = this.client
    this.client = undefined
    // a member leaving on purpose hands nothing to the leader: it drains its own session and ends it
    if (client && this.o.shared) {
      await leaveSharedGroup(client, this.o.shared, this.deviceFilters(), () => this.lastMessageAt, () => this.inflight.size, this.o.logger)
      return void (await within(Promise.allSettled([...this.inflight]), CLOSE_TIMEOUT_MS, async () => {}))
    }
    // a second end() is a no-op while the first is pending, so a stuck one is cut by destroying the socket
    if (client) await within(client.endAsync(false), CLOSE_TIMEOUT_MS, async () => void client.stream.destroy())
    await within(Promise.allSettled([...this.inflight]), CLOSE_TIMEOUT_MS, async () => {})
  }

  /** Subscribes to every device's uplink channels (and, sharing, to the group's member states); says `online` when sharing. */
  private async join(client: MqttClient): Promise<void> {
    const { shared } = this.o
    const filters = [...this.deviceFilters(), ...(shared ? [hubInstancesFilter(shared.group)] : [])]
    await client.subscribeAsync(filters, { qos: 1 }).catch((cause: unknown) => {
      throw new HubError('HUB_BROKER_UNREACHABLE', `the MQTT broker at ${redactUrl(this.o.url)} refused the hub's subscriptions (${filters.join(', ')}): give the hub's user readwrite access to ${TOPIC_PREFIX}/# in the broker's ACL${shared ? ' and make sure it supports MQTT 5 shared subscriptions' : ''}`, { cause })
    })
    if (shared) await client.publishAsync(shared.topic, onlineStatus(shared), { qos: 1, retain: true })
  }

  /** The uplink filters: every device's channels, as one member of the shared group when sharing. */
  private deviceFilters(): string[] {
    const shared = this.o.shared
    return UPLINK_CHANNELS.map((channel) => (shared ? sharedFilter(shared.group, allDevicesFilter(channel)) : allDevicesFilter(channel)))
  }

  /** Acknowledges after store; instance states of the group (retained, on their own topics) go to `shared.onInstance`. */
  private handleAcks(tracked: Pick<Ingest, 'handle'>, onMessage: () => void): AckHandler {
    const devices = ackAfterStore(tracked, {
      onDelivered: (d) => {
        this.lastMessageAt = Date.now()
        onMessage()
        this.onDelivered(d)
      },
      onStoreFailed: (err, topic) => this.onStoreFailed(err, topic),
    })
    return this.o.shared ? instanceMessageHandler(this.o.shared, devices) : devices
  }

  /** The broker admits whoever it knows; a device removed from the registry (or never added), or revoked, is refused here. */
  private async ingestKnown(...[deviceId, channel, payload]: Parameters<Ingest['handle']>): ReturnType<Ingest['handle']> {
    const device = await this.o.registry.getDevice(deviceId)
    if (!device) {
      throw new HubError('HUB_DEVICE_NOT_FOUND', `device ${JSON.stringify(deviceId)} is not registered at the hub`)
    }
    if (device.revokedAt !== null) throw new HubError('HUB_FORBIDDEN', `device ${JSON.stringify(deviceId)} is revoked: revoke it at the broker too`)
    return this.o.ingest.handle(deviceId, channel, payload)
  }

  private onDelivered(d: Delivery): void {
    if (d.kind === 'ignored') {
      this.ignored++
      if (this.ignored <= 10 || this.ignored % 1000 === 0) this.o.logger.warn({ topic: d.topic, count: this.ignored }, 'ignored a message on a topic that is no device uplink topic')
      return
    }
    if (d.kind === 'rejected') {
      this.online.delete(d.deviceId)
      this.rejected++
      if (this.rejected <= 10 || this.rejected % 1000 === 0) {
        this.o.logger.warn({ deviceId: d.deviceId, channel: d.channel, code: d.error.code, count: this.rejected }, `dropped a device message: ${d.error.message} (the broker admits this device: add it with \`edgefleet device add\` or remove its user at the broker)`)
      }
      return
    }
    this.storeFailing = false
    this.reset()
    if (d.channel !== 'status' || d.result.outcome === 'invalid') return
    // already validated by ingest; presence is the state the device (or its last will) last reported
    const online = decodeChannel('status', d.payload).state === 'online'
    if (online) this.online.add(d.deviceId)
    else this.online.delete(d.deviceId)
  }

  private onStoreFailed(err: Error, topic: string): void {
    this.storeFailing = true
    this.o.logger.warn({ topic, err: err.message }, 'store failed; the message stays unacknowledged and the broker redelivers it after a reconnect')
    this.client?.stream.destroy()
  }

  private reset(): void {
    this.backoff.reset()
    if (this.client) this.client.options.reconnectPeriod = this.backoff.initialMs
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p)
    const forget = (): void => void this.inflight.delete(p)
    p.then(forget, forget)
    return p
  }
}
