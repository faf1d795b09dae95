import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net'

/** One PUBLISH a client sent that the proxy passed on to the broker, in the order the broker got it. */
export interface TappedPublish {
  /** which proxied connection carried it (1, 2, … in accept order) */
  connection: number
  topic: string
  payload: Buffer
  /** the DUP flag [MQTT-3.3.1-1]: a QoS 1 message sent again by the same client session */
  dup: boolean
  qos: number
}

/**
 * The network between MQTT clients and a broker, in the test's hands: a TCP proxy that reads the
 * clients' MQTT 3.1.1 packets as it forwards them (so a test sees which PUBLISH reached the broker, in
 * order), and that can become a blackhole — connections stay open, nothing passes either way, no RST:
 * what a dead link or a crashed router looks like, which only keepalives notice.
 */
export interface MqttTap {
  /** `mqtt://127.0.0.1:<port>`: give this to the clients instead of the broker's URL */
  readonly url: string
  readonly port: number
  /** every forwarded PUBLISH from a client to the broker, in arrival order */
  readonly publishes: readonly TappedPublish[]
  /** connections accepted so far */
  readonly accepted: number
  /** true while blackholed */
  readonly blackholed: boolean
  /**
   * Starts dropping every byte of every connection, open or new, in both directions (connections stay
   * open). `false` ends it: the connections the outage swallowed are then closed (their streams lost
   * bytes), and new ones pass again.
   */
  blackhole(on: boolean): void
  close(): Promise<void>
}

interface Link {
  client: Socket
  broker: Socket
  dead: boolean
}

/** Starts the proxy on an ephemeral (or the given) loopback port, forwarding to `target` (`host:port`). */
export async function startMqttTap(target: { host?: string; port: number }, o: { port?: number } = {}): Promise<MqttTap> {
  const publishes: TappedPublish[] = []
  const links = new Set<Link>()
  let accepted = 0
  let blackholed = false

  const server = createServer((client) => {
    const connection = ++accepted
    const broker = createConnection({ host: target.host ?? '127.0.0.1', port: target.port })
    const link: Link = { client, broker, dead: blackholed }
    links.add(link)
    const parse = publishParser((p) => publishes.push({ connection, ...p }))
    client.on('data', (d: Buffer) => {
      if (link.dead) return
      parse(d)
      broker.write(d)
    })
    broker.on('data', (d: Buffer) => {
      if (!link.dead) client.write(d)
    })
    const end = (): void => {
      links.delete(link)
      client.destroy()
      broker.destroy()
    }
    // a broker that goes away is seen by the client, unless the link is down: then nothing is seen at all
    broker.on('close', () => !link.dead && end())
    broker.on('error', () => undefined)
    client.on('close', end)
    client.on('error', () => undefined)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, '127.0.0.1', resolve)
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    publishes,
    get accepted() {
      return accepted
    },
    get blackholed() {
      return blackholed
    },
    blackhole(on) {
      blackholed = on
      for (const link of links) {
        if (on) link.dead = true
        else if (link.dead) {
          links.delete(link)
          link.client.destroy()
          link.broker.destroy()
        }
      }
    },
    async close() {
      for (const link of links) {
        link.client.destroy()
        link.broker.destroy()
      }
      links.clear()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * An incremental reader of one client→broker MQTT 3.1.1 byte stream that reports each PUBLISH
 * (fixed header [MQTT-2.2], remaining length as a variable byte integer [MQTT-2.2.3]).
 */
export function publishParser(onPublish: (p: Omit<TappedPublish, 'connection'>) => void): (chunk: Buffer) => void {
  let buffered: Buffer = Buffer.alloc(0)
  return (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    for (;;) {
      if (buffered.length < 2) return
      let length = 0
      let multiplier = 1
      let i = 1
      for (;; i++) {
        if (i >= buffered.length) return
        const b = buffered[i]!
        length += (b & 0x7f) * multiplier
        multiplier *= 128
        if ((b & 0x80) === 0) break
        if (i === 4) throw new Error('malformed MQTT remaining length')
      }
      const start = i + 1
      if (buffered.length < start + length) return
      const first = buffered[0]!
      if (first >> 4 === 3) {
        const qos = (first >> 1) & 3
        const topicLength = buffered.readUInt16BE(start)
        const topic = buffered.toString('utf8', start + 2, start + 2 + topicLength)
        const payloadStart = start + 2 + topicLength + (qos > 0 ? 2 : 0)
        onPublish({ topic, payload: Buffer.from(buffered.subarray(payloadStart, start + length)), dup: (first & 8) !== 0, qos })
      }
      buffered = buffered.subarray(start + length)
    }
  }
}
