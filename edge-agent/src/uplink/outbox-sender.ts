import type { MqttClient } from 'mqtt'
import type { Outbox } from './outbox.ts'

/**
 * Sends an outbox over the current MQTT connection: in seq order, QoS 1, at most `maxInflight`
 * awaiting their PUBACK; each message leaves the outbox on its PUBACK. When the connection goes,
 * whatever was in flight goes back to the queue and is sent again (same seq) on the next one.
 */
export class OutboxSender {
  private client: MqttClient | undefined
  private inflight = 0
  private readonly waiters = new Set<() => void>()

  constructor(private readonly outbox: Outbox, private readonly maxInflight: number) {}

  /** Starts sending over a freshly connected client. */
  attach(client: MqttClient): void {
    this.client = client
    this.inflight = 0
    this.outbox.requeueInflight()
    this.pump()
  }

  /** The connection is gone (or being closed): stop, and requeue what was in flight. */
  detach(): void {
    this.client = undefined
    this.inflight = 0
    this.outbox.requeueInflight()
  }

  /** Sends waiting messages while the window has room. Call after enqueueing. */
  pump(): void {
    const client = this.client
    if (!client) return
    while (this.inflight < this.maxInflight) {
      const m = this.outbox.takeNext()
      if (!m) return
      this.inflight++
      client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
        if (client !== this.client) return // from a connection already given up: requeued then
        this.inflight--
        // an error means this connection is failing: the message waits for the next one
        if (err) return this.outbox.release(m)
        this.outbox.ack(m)
        if (this.outbox.depth === 0) this.wake()
        this.pump()
      })
    }
  }

  /** Resolves when the outbox is empty, after `timeoutMs`, when `signal` aborts, or on `wake()`. */
  waitDrained(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.outbox.depth === 0 || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        this.waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      signal?.addEventListener('abort', done, { once: true })
      this.waiters.add(done)
    })
  }

  /** Ends every wait (the link has given up). */
  wake(): void {
    for (const done of [...this.waiters]) done()
  }
}
