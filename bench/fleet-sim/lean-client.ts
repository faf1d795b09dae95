/**
 * A lean MQTT 3.1.1 client for the simulator: one socket, `mqtt-packet` to parse and generate, QoS 0
 * and 1, no reconnects, no stores, no timers of its own (the owner calls {@link LeanClient.pingIfIdle}).
 * Thousands of these fit in one process where as many MQTT.js clients would not (see RESULTS.md).
 */
import { connect as netConnect, type Socket } from 'node:net'
import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet'

export interface LeanConnectOptions {
  host: string
  port: number
  clientId: string
  username?: string
  password?: string
  keepaliveS: number
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean }
  /** ms to wait for CONNACK */
  timeoutMs?: number
}

const OPTS = { protocolVersion: 4 as const }

export class LeanClient {
  /** called for each PUBLISH received (QoS 1 is acknowledged before this is called) */
  onMessage: ((topic: string, payload: Buffer) => void) | undefined
  /** called once when the connection closes, with why */
  onClose: ((reason: string) => void) | undefined
  private readonly pending = new Map<number, () => void>()
  private nextId = 0
  private lastSentMs = performance.now()
  private closed = false
  private subscribed: (() => void) | undefined

  private constructor(private readonly socket: Socket, private readonly keepaliveMs: number) {}

  /** Connects and resolves after a successful CONNACK. */
  static connect(o: LeanConnectOptions): Promise<LeanClient> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: o.host, port: o.port, noDelay: true })
      const client = new LeanClient(socket, o.keepaliveS * 1000)
      const parser = mqttPacket.parser(OPTS)
      let connected = false
      const fail = (why: string): void => {
        if (!connected) reject(new Error(`${o.clientId}: ${why}`))
        client.closeWith(why)
      }
      const timer = setTimeout(() => fail(`no CONNACK within ${(o.timeoutMs ?? 60_000) / 1000} s`), o.timeoutMs ?? 60_000)
      parser.on('packet', (p: Packet) => {
        if (p.cmd === 'connack') {
          clearTimeout(timer)
          if (p.returnCode !== 0) return fail(`CONNACK return code ${p.returnCode}`)
          connected = true
          resolve(client)
        } else client.handle(p)
      })
      parser.on('error', (err: Error) => fail(`bad packet from the broker: ${err.message}`))
      socket.on('data', (d) => parser.parse(d))
      socket.on('error', (err) => fail(err.message))
      socket.on('close', () => {
        clearTimeout(timer)
        fail('connection closed by the broker')
      })
      const packet: IConnectPacket = {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId: o.clientId,
        keepalive: o.keepaliveS,
        ...(o.username !== undefined ? { username: o.username } : {}),
        ...(o.password !== undefined ? { password: Buffer.from(o.password) } : {}),
        ...(o.will ? { will: { ...o.will, payload: Buffer.from(o.will.payload) } } : {}),
      }
      socket.once('connect', () => client.send(packet))
    })
  }

  get connected(): boolean {
    return !this.closed
  }

  /** Unanswered QoS 1 publishes. */
  get inflight(): number {
    return this.pending.size
  }

  /** Publishes; with QoS 1, `onAck` runs when the PUBACK arrives (never, if the connection closes first). */
  publish(topic: string, payload: string, qos: 0 | 1, retain = false, onAck?: () => void): void {
    if (qos === 0) return this.send({ cmd: 'publish', topic, payload, qos: 0, retain, dup: false })
    const messageId = this.allocateId()
    this.pending.set(messageId, onAck ?? (() => {}))
    this.send({ cmd: 'publish', topic, payload, qos: 1, retain, dup: false, messageId })
  }

  /** Subscribes to one filter; resolves on SUBACK. */
  subscribe(filter: string, qos: 0 | 1): Promise<void> {
    return new Promise((resolve) => {
      this.subscribed = resolve
      this.send({ cmd: 'subscribe', messageId: this.allocateId(), subscriptions: [{ topic: filter, qos }] })
    })
  }

  /** Sends PINGREQ when nothing was sent for half the keepalive (the broker drops us at 1.5×). */
  pingIfIdle(nowMs = performance.now()): void {
    if (!this.closed && this.keepaliveMs > 0 && nowMs - this.lastSentMs > this.keepaliveMs / 2) this.send({ cmd: 'pingreq' })
  }

  /** Graceful end: DISCONNECT (no last will), then close. */
  end(): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve())
      this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }, OPTS))
      this.closed = true
    })
  }

  private handle(p: Packet): void {
    if (p.cmd === 'puback') {
      const done = this.pending.get(p.messageId!)
      this.pending.delete(p.messageId!)
      done?.()
    } else if (p.cmd === 'publish') {
      if (p.qos === 1) this.send({ cmd: 'puback', messageId: p.messageId! })
      this.onMessage?.(p.topic, p.payload as Buffer)
    } else if (p.cmd === 'suback') {
      this.subscribed?.()
      this.subscribed = undefined
    }
  }

  private allocateId(): number {
    // 16-bit packet identifiers, never one still in use [MQTT-2.3.1-2]
    do this.nextId = (this.nextId % 65535) + 1
    while (this.pending.has(this.nextId))
    return this.nextId
  }

  private send(p: Packet): void {
    if (this.closed) return
    this.lastSentMs = performance.now()
    this.socket.write(mqttPacket.generate(p, OPTS))
  }

  private closeWith(reason: string): void {
    if (this.closed && this.socket.destroyed) return
    this.closed = true
    this.socket.destroy()
    const onClose = this.onClose
    this.onClose = undefined
    onClose?.(reason)
  }
}
