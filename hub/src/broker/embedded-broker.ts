import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes'
import { isClaimClientId, parseClaimUsername, parseDeviceTopic } from '@edgefleet/protocol'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { canPublish, canSubscribe, type Principal } from '../auth/acl.ts'
import { HubError } from '../errors.ts'
import type { Ingest } from '../ingest/ingest.ts'
import type { ClaimHandler } from '../provisioning/claim-handler.ts'
import type { RegistryStore } from '../registry/registry-store.ts'
import type { ServerTls } from '../tls/server-tls.ts'
import type { HubBroker } from './broker.ts'
import { BrokerLimitGate, DEFAULT_BROKER_LIMITS, type BrokerLimits, type LimitObserver } from './broker-limits.ts'
import type { BrokerPersistence } from './broker-persistence.ts'

export interface EmbeddedBrokerOptions {
  host: string
  mqttPort: number
  wsPort: number
  registry: RegistryStore
  ingest: Ingest
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void }
  /** a device connected (true) or went away (false) */
  onPresence?: (deviceId: string, online: boolean) => void
  /** serve mqtts on mqttPort and wss on wsPort with this certificate */
  tls?: ServerTls | undefined
  /** payload size, publish rate and connection limits (default DEFAULT_BROKER_LIMITS) */
  limits?: BrokerLimits | undefined
  /** told of every refusal by a limit (it is logged here) and every paced publish */
  onLimit?: LimitObserver | undefined
  /** answers claim connections' provisioning requests; without it `_claim:` logins are refused */
  claims?: Pick<ClaimHandler, 'handle'>
  /** told of every refusal by the topic policy or authentication, and every connection closed for breaking MQTT (it is logged here) */
  onRefusal?: ((kind: MqttRefusal, deviceId: string | undefined) => void) | undefined
  /** retained messages, persistent sessions and wills (broker-persistence.ts; default aedes' in memory); the broker closes it */
  persistence?: BrokerPersistence | undefined
}

/**
 * Why the broker turned a client away (besides the limits, counted on their own): `authentication` (bad
 * user name or password, CONNACK 4), `publish` and `subscribe` (the topic policy of auth/acl.ts), or
 * `protocol` (a packet that breaks MQTT: wildcards or invalid UTF-8 in a topic name, no CONNECT in time…;
 * aedes closes the connection [MQTT-4.8.0-1]).
 */
export type MqttRefusal = 'authentication' | 'publish' | 'subscribe' | 'protocol'

/** Marks the errors the hooks below hand to aedes: already logged and counted, not protocol errors. */
const HANDLED = Symbol('edgefleet.handled')
const handled = <E extends Error>(err: E): E => Object.assign(err, { [HANDLED]: true })
/** A socket that went away (ECONNRESET, EPIPE…) or a keepalive that ran out is not an attack. */
const isNetworkEnd = (err: Error & { code?: unknown }): boolean =>
  (typeof err.code === 'string' && err.code.startsWith('E')) || err.message === 'keep alive timeout'

const principals = new WeakMap<Client, Principal>()

/**
 * The embedded aedes broker, MQTT over TCP and over WebSocket (path /mqtt). Its hooks are thin
 * adapters: authentication asks the registry, authorisation asks the pure policy in auth/acl.ts, and
 * device uplink messages are ingested inside authorizePublish, so a device's PUBACK means "stored".
 */
export class EmbeddedBroker implements HubBroker {
  readonly kind = 'embedded' as const
  private tcp: NetServer | undefined
  private http: HttpServer | undefined
  private wss: WebSocketServer | undefined
  private readonly connected = new Map<string, Client>()
  private readonly gate: BrokerLimitGate
  /** CONNECTs being authenticated now: counted with the connected clients against maxConnections */
  private authenticating = 0

  private constructor(private readonly aedes: Aedes, private readonly o: EmbeddedBrokerOptions) {
    this.gate = new BrokerLimitGate(o.limits ?? DEFAULT_BROKER_LIMITS, {
      refused: (limit, reason, who) => {
        o.logger.warn({ limit, ...who }, `refused by a limit: ${reason}`)
        o.onLimit?.refused(limit, reason, who)
      },
      paced: (deviceId, waitMs) => o.onLimit?.paced?.(deviceId, waitMs),
    })
  }

  static async create(o: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const store = o.persistence?.store
    const aedes = await Aedes.createBroker({ id: 'edgefleet-hub', ...(store ? { persistence: store } : {}) }).catch(async (err: unknown) => {
      await o.persistence?.close()
      throw err
    })
    const broker = new EmbeddedBroker(aedes, o)
    broker.installHooks()
    return broker
  }

  private installHooks(): void {
    const { aedes, o } = this
    aedes.authenticate = (client, username, password, done) => {
      // here rather than in preConnect, which can only drop the socket: this answers CONNACK 3 [MQTT-3.2.2.3]
      if (!this.gate.admitConnect(aedes.connectedClients + this.authenticating, client.id).allow) {
        return done(handled(Object.assign(new Error('server unavailable: connection limit reached'), { returnCode: 3 })) as never, false)
      }
      this.authenticating++
      void this.authenticate(client, username, password).finally(() => void this.authenticating--).then(
        (principal) => {
          if (!principal) {
            o.logger.warn({ client: client.id, username }, 'connection refused: bad user name or password')
            o.onRefusal?.('authentication', undefined)
            const err = handled(Object.assign(new Error('bad user name or password'), { returnCode: 4 }))
            return done(err as never, false)
          }
          principals.set(client, principal)
          done(null, true)
        },
        (err: Error) => done(handled(Object.assign(err, { returnCode: 3 })) as never, false),
      )
    }
    const authorizePublish: Aedes['authorizePublish'] = (client, packet, done) => {
      const principal = client ? principals.get(client) : { kind: 'hub' as const }
      if (!principal) return done(handled(new Error('not authenticated')))
      const decision = canPublish(principal, packet.topic)
      if (!decision.allow) {
        o.logger.warn({ client: client?.id, topic: packet.topic }, `publish refused: ${decision.reason}`)
        o.onRefusal?.('publish', principal.kind === 'device' ? principal.id : undefined)
        return done(handled(new Error(decision.reason)))
      }
      if (principal.kind === 'claim') {
        // the policy let only the connection's own request through; the answer goes out before the PUBACK
        return void this.o.claims?.handle({ tokenName: principal.token, clientId: principal.clientId }, packet.payload as Buffer).then(() => done(null), () => done(null))
      }
      const target = principal.kind === 'device' ? parseDeviceTopic(packet.topic) : null
      if (!target || target.direction !== 'uplink') return done(null)
      void this.o.ingest.handle(target.deviceId, target.channel as never, packet.payload as Buffer).then(
        () => done(null),
        (err: Error) => {
          // not stored: withhold the acknowledgement by closing; the device resends from its outbox
          o.logger.warn({ deviceId: target.deviceId, err: err.message }, 'store failed; device will resend')
          done(handled(err))
        },
      )
    }
    // the limits come first: payload size for everyone, publish rate per device (paced, then refused). A
    // refusal closes an MQTT 3.1.1 connection; nothing was acknowledged, so a device resends from its outbox
    aedes.authorizePublish = (client, packet, done) => {
      const principal = client ? principals.get(client) : undefined
      if (!principal) return authorizePublish(client, packet, done)
      const limited = this.gate.admitPublish(principal, client?.id, packet.payload.length, () => authorizePublish(client, packet, done))
      if (!limited.allow) done(handled(new Error(limited.reason)))
    }
    aedes.authorizeSubscribe = (client, sub: Subscription, done) => {
      const principal = client ? principals.get(client) : undefined
      const decision = principal ? canSubscribe(principal, sub.topic) : { allow: false as const, reason: 'not authenticated' }
      if (!decision.allow) {
        o.logger.warn({ client: client?.id, filter: sub.topic }, `subscribe refused: ${decision.reason}`)
        o.onRefusal?.('subscribe', principal?.kind === 'device' ? principal.id : undefined)
        // null keeps the connection and answers SUBACK 0x80 [MQTT-3.9.3]; an error would drop the client
        return done(null, null)
      }
      done(null, sub)
    }
    const onClientError = (client: Client | null, err: Error): void => {
      if (HANDLED in err || isNetworkEnd(err)) return
      const p = client ? principals.get(client) : undefined
      o.logger.warn({ client: client?.id, err: err.message }, 'connection closed: it broke the MQTT protocol')
      o.onRefusal?.('protocol', p?.kind === 'device' ? p.id : undefined)
    }
    aedes.on('clientError', onClientError)
    aedes.on('connectionError', onClientError)
    aedes.on('client', (client) => {
      const p = principals.get(client)
      if (p?.kind !== 'device') return
      const previous = this.connected.get(p.id)
      if (previous && previous !== client) previous.close()
      this.connected.set(p.id, client)
      o.onPresence?.(p.id, true)
    })
    aedes.on('clientDisconnect', (client) => {
      const p = principals.get(client)
      if (p?.kind !== 'device' || this.connected.get(p.id) !== client) return
      this.gate.released(p.id)
      this.connected.delete(p.id)
      o.onPresence?.(p.id, false)
    })
  }

  /**
   * Devices log in with id + secret and clientId = id (a revoked device is refused: verifyDeviceSecret
   * is false for it); subscribers with their name + secret; devices claiming an identity with
   * `_claim:<token name>` + the token's secret and a client id of their choosing.
   */
  private async authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Principal | null> {
    if (!username || !password) return null
    const secret = password.toString('utf8')
    const claimToken = parseClaimUsername(username)
    if (claimToken !== null) {
      if (!this.o.claims || !isClaimClientId(client.id)) return null
      // a client id takes over the session of the same id: a claim must not knock a device off
      if (await this.o.registry.getDevice(client.id)) return null
      return (await this.o.registry.verifyClaimToken(claimToken, secret)) ? { kind: 'claim', token: claimToken, clientId: client.id } : null
    }
    const device = await this.o.registry.getDevice(username)
    if (device) {
      if (client.id !== username) return null
      if (device.revokedAt !== null) {
        this.o.logger.warn({ deviceId: username }, 'connection refused: the device is revoked')
        return null
      }
      return (await this.o.registry.verifyDeviceSecret(username, secret)) ? { kind: 'device', id: username } : null
    }
    return (await this.o.registry.verifyCredential('subscriber', username, secret)) ? { kind: 'subscriber', name: username } : null
  }

  async start(): Promise<{ mqttPort: number | null; wsPort: number | null }> {
    const { host, mqttPort, wsPort, tls } = this.o
    // with TLS the same ports take mqtts and wss only: a plain client fails its handshake
    this.tcp = tls ? createTlsServer(tls, this.aedes.handle) : createNetServer(this.aedes.handle)
    const mqtt = await listen(this.tcp, host, mqttPort, '--mqtt-port')
    this.http = tls ? createHttpsServer(tls) : createHttpServer()
    this.wss = new WebSocketServer({ server: this.http, path: '/mqtt' })
    this.wss.on('connection', (socket, req) => this.aedes.handle(createWebSocketStream(socket) as never, req as never))
    const ws = await listen(this.http, host, wsPort, '--ws-port')
    this.o.logger.info({ mqtt, ws, tls: tls !== undefined }, 'embedded MQTT broker listening')
    return { mqttPort: mqtt, wsPort: ws }
  }

  publish(topic: string, payload: string, options: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<void> {
    const packet = { cmd: 'publish', topic, payload: Buffer.from(payload), qos: options.qos ?? 1, retain: options.retain ?? false, dup: false } as PublishPacket
    return new Promise((resolve, reject) => this.aedes.publish(packet, (err) => (err ? reject(err) : resolve())))
  }

  connectedDevices(): ReadonlySet<string> {
    return new Set(this.connected.keys())
  }

  disconnect(deviceId: string): void {
    this.connected.get(deviceId)?.close()
  }

  async close(): Promise<void> {
    for (const client of this.connected.values()) client.close()
    this.gate.close()
    this.wss?.close()
    await Promise.all([closeServer(this.tcp), closeServer(this.http)])
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()))
    await this.o.persistence?.close()
  }
}

function listen(server: NetServer | HttpServer, host: string, port: number, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new HubError('HUB_PORT_IN_USE', `port ${port} on ${host} is already in use: stop what uses it or pick another with ${flag}`, { cause: err }))
      else reject(err)
    })
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port))
  })
}

function closeServer(server: NetServer | HttpServer | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve()
  if ('closeAllConnections' in server) server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
