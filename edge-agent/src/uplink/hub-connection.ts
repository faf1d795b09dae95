import mqtt, { type MqttClient } from 'mqtt'
import { AgentError, type Logger } from '../errors.ts'
import { reconnectDelayMs, type BackoffOptions } from './backoff.ts'
import { tlsFailure } from './hub-tls.ts'

/** Options of {@link HubConnection}. */
export interface HubConnectionOptions {
  url: string
  deviceId: string
  secret: string
  keepaliveS: number
  reconnect: BackoffOptions
  /** the last will, built afresh for every connection attempt */
  will: () => { topic: string; payload: string }
  /** CA certificates (PEM) trusted for mqtts:// and wss:// besides the system's (`--ca`) */
  ca?: string | undefined
  logger: Logger
}

/** What the connection reports to its owner. */
export interface HubConnectionHandlers {
  /** a CONNACK accepted this client; it stays the current one until `onDown` */
  onUp(client: MqttClient, sessionPresent: boolean): void
  onDown(): void
  onMessage(topic: string, payload: Buffer): void
  /** the hub refused the device for good; no further attempt is made */
  onFatal(err: AgentError): void
}

/** a connection that lasted this long resets the backoff; a shorter one counts as a failed attempt */
const STABLE_MS = 10_000
const CONNECT_TIMEOUT_MS = 10_000
const DISCONNECT_TIMEOUT_MS = 2_000

/**
 * One MQTT 3.1.1 session to the hub, kept up with our own backoff (see backoff.ts) instead of
 * mqtt.js's fixed period. Every attempt uses a fresh mqtt.js client: unacknowledged messages are the
 * outbox's to resend, so no in-memory mqtt.js store may resend them behind its back. The session is
 * persistent (clean: false, client id = device id), so the broker keeps the device's `desired` and
 * `cmd` subscriptions and queues commands while it is away.
 */
export class HubConnection {
  private client: MqttClient | undefined
  private timer: NodeJS.Timeout | undefined
  private attempt = 0
  private stopped = false
  private failed = false
  /** errors are logged at warn once per outage, then at debug, so a long outage does not flood the log */
  private quiet = false

  constructor(private readonly o: HubConnectionOptions, private readonly h: HubConnectionHandlers) {}

  /** Makes the first attempt at once. */
  start(): void {
    this.connect()
  }

  /** Stops reconnecting and closes the session: with a DISCONNECT when `graceful` (the will is then not sent). */
  async stop(graceful: boolean): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    const client = this.client
    this.client = undefined
    if (!client) return
    // mqtt.js's own listeners stay: they clear its timers; ours ignore a client that is no longer current
    if (!graceful || !client.connected) {
      await client.endAsync(true)
      return
    }
    // unacknowledged publishes stay in the outbox; mqtt.js must not wait for them before DISCONNECT
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id))
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), DISCONNECT_TIMEOUT_MS)))
    if (await Promise.race([client.endAsync(false).then(() => false), timedOut])) client.stream.destroy()
    clearTimeout(timer)
  }

  private connect(): void {
    const will = this.o.will()
    const client = mqtt.connect(this.o.url, {
      protocolVersion: 4,
      clientId: this.o.deviceId,
      username: this.o.deviceId,
      password: this.o.secret,
      clean: false,
      keepalive: this.o.keepaliveS,
      reconnectPeriod: 0,
      connectTimeout: CONNECT_TIMEOUT_MS,
      resubscribe: false,
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
      // mqtt.js hands `ca` to the TLS socket (mqtts) and to the WebSocket client (wss)
      ...(this.o.ca !== undefined ? { ca: this.o.ca } : {}),
    })
    this.client = client
    let connectedAt: number | undefined
    client.on('connect', (connack) => {
      if (client !== this.client) return
      connectedAt = Date.now()
      this.quiet = false
      this.o.logger.info({ url: this.o.url, deviceId: this.o.deviceId, sessionPresent: connack.sessionPresent }, 'connected to the hub')
      this.h.onUp(client, connack.sessionPresent)
    })
    client.on('message', (topic, payload) => client === this.client && this.h.onMessage(topic, payload))
    client.on('error', (err) => this.handleError(err))
    client.on('close', () => {
      if (client !== this.client) return
      this.client = undefined
      client.end(true)
      if (connectedAt !== undefined) {
        this.o.logger.warn({ url: this.o.url }, 'lost the connection to the hub; messages wait in the outbox')
        this.h.onDown()
        if (Date.now() - connectedAt >= STABLE_MS) this.attempt = 0
      }
      this.scheduleReconnect()
    })
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.failed) return
    const delay = reconnectDelayMs(this.attempt++, this.o.reconnect)
    this.o.logger.debug({ delayMs: delay, attempt: this.attempt }, 'reconnecting to the hub')
    this.timer = setTimeout(() => this.connect(), delay)
  }

  private handleError(err: Error): void {
    const code = (err as { code?: unknown }).code
    // CONNACK return codes [MQTT-3.2.2.3]: 1 protocol version, 2 identifier rejected, 4 bad user name or password, 5 not authorized
    if (code === 2 || code === 4 || code === 5) {
      return this.fail(new AgentError('AGENT_HUB_AUTH_FAILED', `the hub at ${this.o.url} refused device ${this.o.deviceId}: ${err.message}. Check --device-id and --secret (or $EDGEFLEET_DEVICE_SECRET) against the device's registration on the hub; a device that was revoked, or whose secret was rotated, is refused until it is given new credentials.`, { cause: err }))
    }
    // a certificate the agent does not accept stays unaccepted: stop and say what to do, not retry in silence
    const tls = tlsFailure(err, this.o.url, this.o.ca !== undefined)
    if (tls) return this.fail(tls)
    if (code === 1) {
      return this.fail(new AgentError('AGENT_HUB_REFUSED', `the hub at ${this.o.url} refused the connection: ${err.message}. Check that --hub points at an edgefleet hub (MQTT 3.1.1).`, { cause: err }))
    }
    this.o.logger[this.quiet ? 'debug' : 'warn']({ url: this.o.url, err: err.message }, 'hub connection error; retrying with backoff')
    this.quiet = true
  }

  private fail(err: AgentError): void {
    if (this.failed) return
    this.failed = true
    clearTimeout(this.timer)
    this.o.logger.debug({ url: this.o.url, code: err.code }, 'the hub refused the device; not reconnecting')
    this.h.onFatal(err)
  }
}
