import { deviceTopic, encodeChannel, type ChannelPayloads } from '@edgefleet/protocol'
import type { KeyValueStore } from './provisioning.ts'

/** Channels a browser device sends on (status goes out directly, retained). */
export type OutboxChannel = 'pred' | 'drift' | 'events'

/** One message waiting for the broker's acknowledgement. */
export interface QueuedMessage {
  readonly seq: number
  readonly channel: OutboxChannel
  readonly topic: string
  readonly payload: string
  /** handed to the connection and not yet acknowledged */
  sent: boolean
}

/** Options of {@link MemoryOutbox}. */
export interface MemoryOutboxOptions {
  deviceId: string
  /** messages kept at most (default 2000) */
  maxMessages?: number
  /** bytes of payload kept at most (default 16 MiB) */
  maxBytes?: number
  /** the next per-device seq (see {@link persistentSeq}) */
  nextSeq: () => number
}

/** telemetry goes first when the outbox is full; events only when nothing else is left */
const TELEMETRY: ReadonlySet<OutboxChannel> = new Set(['pred', 'drift'])

/**
 * The browser device's uplink queue: messages numbered with the device's seq, validated and encoded
 * by the protocol (nothing invalid is ever queued), kept in order until the broker acknowledges
 * them. Bounded: when full, the oldest telemetry not yet handed to the connection is dropped and
 * counted. Memory only: what is queued when the tab closes is lost (the Node agent's outbox is on disk).
 */
export class MemoryOutbox {
  private readonly queue: QueuedMessage[] = []
  private bytes = 0
  /** messages dropped because the outbox was full */
  dropped = 0
  private readonly maxMessages: number
  private readonly maxBytes: number

  constructor(private readonly o: MemoryOutboxOptions) {
    this.maxMessages = o.maxMessages ?? 2000
    this.maxBytes = o.maxBytes ?? 16 * 1024 * 1024
  }

  get deviceId(): string {
    return this.o.deviceId
  }

  /** messages waiting, sent or not */
  get depth(): number {
    return this.queue.length
  }

  /** Numbers, validates and queues one message; returns its seq. Throws a ProtocolError for an invalid message. */
  enqueue<C extends OutboxChannel>(channel: C, build: (seq: number) => ChannelPayloads[C]): number {
    const seq = this.o.nextSeq()
    const payload = encodeChannel(channel, build(seq))
    while ((this.queue.length >= this.maxMessages || this.bytes + payload.length > this.maxBytes) && this.dropOne()) this.dropped++
    this.queue.push({ seq, channel, topic: deviceTopic(this.o.deviceId, channel), payload, sent: false })
    this.bytes += payload.length
    return seq
  }

  /** Messages not yet handed to the connection, oldest first; the caller marks each `sent`. */
  unsent(): QueuedMessage[] {
    return this.queue.filter((m) => !m.sent)
  }

  /** The broker acknowledged `message`: forget it. */
  acknowledge(message: QueuedMessage): void {
    const i = this.queue.indexOf(message)
    if (i < 0) return
    this.queue.splice(i, 1)
    this.bytes -= message.payload.length
  }

  /** The connection went down: whatever was sent and not acknowledged goes again, in order, on the next one. */
  resendAll(): void {
    for (const m of this.queue) m.sent = false
  }

  private dropOne(): boolean {
    // only messages not in flight: one being sent may still be acknowledged
    let i = this.queue.findIndex((m) => !m.sent && TELEMETRY.has(m.channel))
    if (i < 0) i = this.queue.findIndex((m) => !m.sent)
    if (i < 0) return false
    this.bytes -= this.queue[i]!.payload.length
    this.queue.splice(i, 1)
    return true
  }
}

/**
 * The device's message numbers: strictly increasing for as long as this browser keeps its storage,
 * and, like the Node agent's outbox, starting at `Date.now() × 1000` when it has none, so a browser
 * whose storage was cleared still numbers above everything it sent before.
 */
export function persistentSeq(store: KeyValueStore, deviceId: string, now: () => number = Date.now): () => number {
  const key = `edgefleet.seq.${deviceId}`
  const stored = Number(store.getItem(key))
  let next = Number.isSafeInteger(stored) && stored > 0 ? stored : now() * 1000
  return () => {
    const seq = next++
    store.setItem(key, String(next))
    return seq
  }
}
