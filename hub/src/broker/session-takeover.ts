import mqtt, { type AckHandler, type IClientOptions } from 'mqtt'
import { within } from './within.ts'

/** the hub's session expiry (as ./external-broker.ts) */
const SESSION_EXPIRY_S = 7 * 24 * 3600

/** What became of a takeover. */
export interface TakeoverResult {
  /** the broker still held a session under that client id */
  sessionPresent: boolean
  /** messages received (and acknowledged after store) from it */
  messages: number
  /** true when the session went quiet and was ended; false when it was cut short (e.g. its owner came back and took it) */
  drained: boolean
}

/** Options of {@link takeOverSession}. */
export interface TakeoverOptions {
  url: string
  /** credentials and TLS of the hub at the broker */
  connect: Pick<IClientOptions, 'username' | 'password' | 'ca'>
  /** the dead instance's client id */
  clientId: string
  /** its shared subscriptions, dropped first so the broker routes no new messages to the session */
  filters: string[]
  /** stores each message and acknowledges it after (./ack-after-store.ts) */
  handleAcks: (onMessage: () => void) => AckHandler
  /** the session counts as drained after this long without a message (default 1 s) */
  quietMs?: number
  /** give up after this long in all (default 120 s); the session is then kept for another try */
  timeoutMs?: number
}

/**
 * Takes over the persistent session of a hub instance that died, and drains it.
 *
 * Measured with Mosquitto 2.0.11: the QoS 1 messages a shared-subscription member had in flight or
 * queued stay with its session when it dies; they are not handed to the other members. While the
 * session lives (the hub's expiry is 7 days), new messages keep being routed to it round-robin, up to
 * the broker's `max_queued_messages` (then dropped). So, on the dead instance's behalf: connect with
 * its client id (clean start off: the broker hands over its session and redelivers what was in
 * flight), unsubscribe its shared filters (no new messages), store and acknowledge what was queued
 * until nothing arrives for `quietMs`, then end the session (DISCONNECT with session expiry 0). A takeover cut short leaves the session
 * as it was, for the next try.
 * Should the instance come back meanwhile, its CONNECT takes the session over from us: what we had
 * not acknowledged is redelivered to it, so nothing is lost either way (stores are idempotent per
 * device seq, so nothing is stored twice).
 */
export async function takeOverSession(o: TakeoverOptions): Promise<TakeoverResult> {
  let messages = 0
  let lastAt = Date.now()
  const quietMs = o.quietMs ?? 1000
  const client = mqtt.connect(o.url, {
    ...o.connect,
    protocolVersion: 5,
    clean: false,
    clientId: o.clientId,
    // kept while we drain it: a takeover cut short (timeout, crash) leaves it for the next try
    properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    customHandleAcks: o.handleAcks(() => {
      messages++
      lastAt = Date.now()
    }),
  })
  try {
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      client.once('connect', resolve)
      client.once('error', reject)
      client.once('close', () => reject(new Error('the broker closed the connection')))
    })
    if (!connack.sessionPresent) return { sessionPresent: false, messages: 0, drained: true }
    let cut = false
    client.once('close', () => (cut = true))
    await client.unsubscribeAsync(o.filters).catch(() => {})
    const deadline = Date.now() + (o.timeoutMs ?? 120_000)
    while (!cut && Date.now() < deadline && Date.now() - lastAt < quietMs) await new Promise((r) => setTimeout(r, 50))
    const drained = !cut && Date.now() - lastAt >= quietMs
    // ending the session: expiry 0 in the DISCONNECT [MQTT-3.14.2.2.2]
    if (drained) await within(client.endAsync(false, { properties: { sessionExpiryInterval: 0 } }), 5000, async () => void client.stream.destroy())
    return { sessionPresent: true, messages, drained }
  } finally {
    if (!client.disconnected) client.stream.destroy()
    client.removeAllListeners('close')
    client.end(true)
  }
}
