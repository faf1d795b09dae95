import { resolve } from 'node:path'
import { deviceTopic, encodeChannel, MAX_PAYLOAD_BYTES, ProtocolError, type ChannelPayloads } from '@edgefleet/protocol'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import { encodeFrame, OUTBOX_CHANNELS, type OutboxChannel } from './outbox-frame.ts'
import type { Lane, LaneEntry } from './outbox-lane.ts'
import { recoverOutbox } from './outbox-recover.ts'
import { writeState, type OutboxState } from './outbox-state.ts'

export type { OutboxChannel } from './outbox-frame.ts'

/** Where uplink messages are handed in: the outbox itself, or the hub link that drains it. */
export interface Uplink {
  readonly deviceId: string
  /**
   * Numbers (next per-device seq), validates, encodes and stores one message; returns its seq.
   * Throws a ProtocolError when the message is invalid or over the payload limit (no seq is used then).
   */
  enqueue<C extends OutboxChannel>(channel: C, build: (seq: number) => ChannelPayloads[C]): number
}

/** Options of {@link Outbox.open}. */
export interface OutboxOptions {
  /** directory holding this device's outbox (created if missing; one agent at a time) */
  dir: string
  /** the device whose messages these are: builds the topics, and guards against a shared directory */
  deviceId: string
  /** bound on the bytes of stored messages, frames included (default 64 MiB; at least 512 KiB) */
  maxBytes?: number
  /** size at which a new segment file is started (default 1 MiB, or a quarter of maxBytes if smaller) */
  segmentBytes?: number
  /** how often appended segments are fsynced and state.json rewritten, ms (default 1000): the power-cut loss window */
  syncIntervalMs?: number
  /**
   * seq of the first message of a new directory (default: Date.now() × 1000). Time-based, so a device
   * whose state directory is lost (a re-flashed card) still numbers above all it sent before, as long
   * as its clock is not behind: (deviceId, seq) stays unique for the hub.
   */
  firstSeq?: number
  logger?: Logger
}

/** A stored message on its way to the broker. */
export interface OutboxMessage {
  readonly seq: number
  readonly channel: OutboxChannel
  readonly topic: string
  readonly payload: Buffer
}

/** The defaults of {@link OutboxOptions}. */
export const OUTBOX_DEFAULTS = { maxBytes: 64 * 1024 * 1024, segmentBytes: 1024 * 1024, syncIntervalMs: 1000 } as const
/** seqs reserved ahead with one fsynced state write: the largest gap a power cut can leave */
const SEQ_RESERVE_BLOCK = 10_000
const MIN_MAX_BYTES = 512 * 1024
/** telemetry is dropped first when the outbox is full; labels and events only when nothing else is left */
const TELEMETRY: ReadonlySet<OutboxChannel> = new Set(['pred', 'drift', 'samples'])

/**
 * The bounded, on-disk FIFO of a device's uplink messages (record format: outbox-frame.ts; cursor:
 * outbox-state.ts). Two lanes, telemetry (pred, drift, samples) and priority (labels, events), each
 * a FIFO of segment files; messages leave in seq order across both.
 *
 * Guarantees: once `enqueue()` returns, the message is in the kernel's page cache, so it survives
 * `kill -9`. Segments and state are fsynced every `syncIntervalMs`, so a power cut loses at most the
 * messages of that window (a torn last record is cut off on open) and never makes a seq reused (seqs
 * are reserved ahead, durably; after a reboot that followed an unclean stop, numbering resumes past
 * the reservation, leaving a gap). A message leaves only when acknowledged or dropped; if the agent
 * dies before an acknowledgement is recorded, that message is sent again with the same seq.
 *
 * Full: the oldest telemetry is dropped first; an incoming telemetry message that cannot fit is
 * dropped itself rather than evict labels or events, which go only when nothing else is left.
 * A dropped message keeps its seq, so the hub sees the gap; drops are counted per channel.
 *
 * Disk full (ENOSPC, or a quota): the outbox behaves as full, whatever `maxBytes` says. It deletes the
 * segments already emptied, then drops the oldest telemetry a whole segment at a time (counted in
 * `dropped` like any drop) until the message fits; labels and events are never dropped to make room,
 * and a message that still does not fit is dropped itself and counted. Each refused write is counted
 * in `counts.diskFull` and logged (the first, then every 1000th) with what to do. Nothing is thrown:
 * the agent keeps predicting, and appends succeed again as soon as space is freed (by acknowledged
 * messages leaving, or by someone else).
 */
export class Outbox implements Uplink {
  /** messages enqueued (dropped ones included), acknowledged and dropped by this process */
  readonly counts = {
    enqueued: 0,
    acked: 0,
    dropped: Object.fromEntries(OUTBOX_CHANNELS.map((c) => [c, 0])) as Record<OutboxChannel, number>,
    /** writes the disk refused for want of space (ENOSPC): each one led to dropping telemetry, or the message */
    diskFull: 0,
  }
  private readonly handles = new WeakMap<OutboxMessage, { lane: Lane; entry: LaneEntry }>()
  private changed = false
  private closed = false
  /** the nextSeq of the last state.json written: numbering on open never goes below it */
  private durableNextSeq: number
  /** true from a write refused for want of space until the next append that succeeds */
  private diskIsFull = false
  private readonly timer: NodeJS.Timeout

  private constructor(
    readonly deviceId: string,
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly lanes: { telemetry: Lane; priority: Lane },
    private readonly state: OutboxState,
    private readonly releaseDir: () => void,
    private readonly logger: Logger,
    syncIntervalMs: number,
  ) {
    this.timer = setInterval(() => this.flushQuietly(), syncIntervalMs).unref()
    this.durableNextSeq = state.nextSeq
  }

  /** Opens (or creates) the outbox in `o.dir`: takes its lock, recovers both lanes, restores the seq. */
  static async open(o: OutboxOptions): Promise<Outbox> {
    const logger = o.logger ?? silentLogger
    const maxBytes = o.maxBytes ?? OUTBOX_DEFAULTS.maxBytes
    if (!(maxBytes >= MIN_MAX_BYTES)) throw new AgentError('AGENT_USAGE', `outbox size ${maxBytes} bytes is below the minimum of ${MIN_MAX_BYTES} (two maximum-size messages)`)
    const segmentBytes = o.segmentBytes ?? Math.min(OUTBOX_DEFAULTS.segmentBytes, Math.floor(maxBytes / 4))
    const r = recoverOutbox(resolve(o.dir), o.deviceId, segmentBytes, o.firstSeq ?? Date.now() * 1000, logger)
    return new Outbox(o.deviceId, r.dir, maxBytes, r.lanes, r.state, r.release, logger, o.syncIntervalMs ?? OUTBOX_DEFAULTS.syncIntervalMs)
  }

  enqueue<C extends OutboxChannel>(channel: C, build: (seq: number) => ChannelPayloads[C]): number {
    if (this.closed) throw new AgentError('AGENT_OUTBOX_FAILED', 'the outbox is closed')
    const seq = this.state.nextSeq
    const payload = encodeChannel(channel, build(seq))
    // encodeChannel bounds characters; the broker and hub count bytes
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new ProtocolError('PROTOCOL_PAYLOAD_TOO_LARGE', `${channel} message exceeds ${MAX_PAYLOAD_BYTES} bytes: send smaller batches`)
    const frame = encodeFrame(seq, channel, deviceTopic(this.deviceId, channel), payload)
    if (seq >= this.state.reservedSeq) {
      this.state.reservedSeq = seq + SEQ_RESERVE_BLOCK
      try {
        this.writeStateOrThrow()
      } catch (err) {
        if (!isNoSpace((err as Error).cause)) throw err
        // not even room for state.json: the reservation is written with the next flush that fits; until
        // then only a power cut followed by a reboot could make seqs past the durable one be reused
        this.refusedForSpace('state.json')
      }
    }
    this.state.nextSeq = seq + 1
    this.changed = true
    this.counts.enqueued++
    const telemetry = TELEMETRY.has(channel)
    if (!this.makeRoom(frame.length, telemetry)) {
      this.countDrop(channel)
      return seq
    }
    const lane = telemetry ? this.lanes.telemetry : this.lanes.priority
    for (;;) {
      try {
        lane.append(seq, channel, frame)
        if (this.diskIsFull) {
          this.diskIsFull = false
          this.logger.info({ dir: this.dir, diskFull: this.counts.diskFull }, 'outbox: the disk has room again')
        }
        return seq
      } catch (cause) {
        if (!isNoSpace(cause)) {
          throw new AgentError('AGENT_OUTBOX_FAILED', `cannot write to the outbox in ${this.dir}: ${(cause as Error).message}. Check the state directory's disk and permissions, or choose another --state-dir.`, { cause })
        }
        this.refusedForSpace(channel)
        if (!this.reclaimDisk()) {
          this.countDrop(channel)
          return seq
        }
      }
    }
  }

  /** The next message to send (lowest seq not in flight), marked in flight; undefined when none is waiting. */
  takeNext(): OutboxMessage | undefined {
    for (;;) {
      const t = this.lanes.telemetry.firstQueued()
      const p = this.lanes.priority.firstQueued()
      const fromTelemetry = t !== undefined && (p === undefined || t.seq < p.seq)
      const lane = fromTelemetry ? this.lanes.telemetry : this.lanes.priority
      const entry = fromTelemetry ? t : p
      if (!entry) return undefined
      entry.state = 'inflight'
      try {
        const frame = lane.read(entry)
        const message: OutboxMessage = { seq: entry.seq, channel: entry.channel, topic: frame.topic, payload: frame.payload }
        this.handles.set(message, { lane, entry })
        return message
      } catch (err) {
        this.logger.error({ seq: entry.seq, err: (err as Error).message }, 'outbox: cannot read a stored message back; it is dropped')
        lane.ack(entry)
        this.countDrop(entry.channel)
      }
    }
  }

  /** The broker acknowledged `m` (PUBACK): it leaves the outbox. */
  ack(m: OutboxMessage): void {
    const h = this.handles.get(m)
    if (!h || h.entry.state !== 'inflight') return
    h.lane.ack(h.entry)
    this.counts.acked++
    this.changed = true
  }

  /** `m` was not acknowledged and will be sent again. */
  release(m: OutboxMessage): void {
    const h = this.handles.get(m)
    if (h) h.lane.release(h.entry)
  }

  /** Every in-flight message goes back to the queue (its connection is gone). */
  requeueInflight(): void {
    this.lanes.telemetry.requeueInflight()
    this.lanes.priority.requeueInflight()
  }

  /** Messages stored and not yet acknowledged or dropped. */
  get depth(): number {
    return this.lanes.telemetry.pending + this.lanes.priority.pending
  }

  /** Bytes of the stored messages (what `maxBytes` bounds). */
  get bytes(): number {
    return this.lanes.telemetry.liveBytes + this.lanes.priority.liveBytes
  }

  /** Messages ever dropped from this directory (persisted across restarts), for status messages. */
  get droppedTotal(): number {
    return Object.values(this.state.dropped).reduce((a, b) => a + b, 0)
  }

  /** The seq the next message will get. */
  get nextSeq(): number {
    return this.state.nextSeq
  }

  /** fsyncs appended segments, records the cursor, deletes emptied segments. Runs on a timer; call to force. */
  flush(): void {
    if (!this.changed) return
    this.changed = false
    this.lanes.telemetry.sync()
    this.lanes.priority.sync()
    this.state.heads = { telemetry: this.lanes.telemetry.headSeq ?? this.state.nextSeq, priority: this.lanes.priority.headSeq ?? this.state.nextSeq }
    this.writeStateOrThrow()
    this.lanes.telemetry.deleteCondemned()
    this.lanes.priority.deleteCondemned()
  }

  /** Flushes, marks the directory cleanly closed, and releases its files and lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    try {
      this.lanes.telemetry.condemnIfEmpty()
      this.lanes.priority.condemnIfEmpty()
      this.state.clean = true
      this.changed = true
      this.flush()
    } catch (err) {
      if (!isNoSpace((err as Error).cause)) throw err
      // state.json stays as last written (unclean): the next open recovers from the segments, resending at worst
      this.logger.warn({ dir: this.dir }, 'outbox: closed without recording the last acknowledgements: the disk is full')
    } finally {
      this.lanes.telemetry.close()
      this.lanes.priority.close()
      this.releaseDir()
    }
  }

  private makeRoom(frameBytes: number, telemetry: boolean): boolean {
    while (this.bytes + frameBytes > this.maxBytes) {
      const victim = this.lanes.telemetry.dropHead() ?? (telemetry ? undefined : this.lanes.priority.dropHead())
      if (!victim) return false
      this.countDrop(victim.channel)
    }
    return true
  }

  /**
   * Frees disk space after a write was refused for want of it: deletes emptied segments (those whose
   * seqs the numbering on open will stay past), else drops the oldest telemetry segment's records.
   * False when there is nothing left to free.
   */
  private reclaimDisk(): boolean {
    if (this.deleteEmptied() > 0) return true
    const dropped = this.lanes.telemetry.dropHeadSegment()
    for (const e of dropped) this.countDrop(e.channel)
    return this.deleteEmptied() > 0 || dropped.length > 0
  }

  private deleteEmptied(): number {
    const below = Math.max(this.durableNextSeq, this.lanes.telemetry.diskMaxSeq + 1, this.lanes.priority.diskMaxSeq + 1)
    return this.lanes.telemetry.deleteCondemned(below) + this.lanes.priority.deleteCondemned(below)
  }

  private refusedForSpace(what: string): void {
    this.diskIsFull = true
    if (this.counts.diskFull++ % 1000 !== 0) return
    this.logger.warn(
      { dir: this.dir, refused: what, diskFull: this.counts.diskFull, dropped: this.droppedTotal },
      'outbox: the disk is full (ENOSPC): dropping the oldest telemetry to make room (labels and events are kept) and counting every drop. ' +
        'Free space on the state directory\'s disk, or set --outbox-max-mb below its free space so the outbox drops by its own bound first.',
    )
  }

  private countDrop(channel: OutboxChannel): void {
    this.counts.dropped[channel]++
    this.state.dropped[channel] = (this.state.dropped[channel] ?? 0) + 1
    this.changed = true
  }

  /** Writes state.json; on a full disk, frees space (see reclaimDisk) and tries again. */
  private writeStateOrThrow(): void {
    for (;;) {
      const nextSeq = this.state.nextSeq
      try {
        writeState(this.dir, this.state)
        this.durableNextSeq = nextSeq
        return
      } catch (cause) {
        if (isNoSpace(cause) && this.reclaimDisk()) continue
        throw new AgentError('AGENT_OUTBOX_FAILED', `cannot write ${this.dir}/state.json: ${(cause as Error).message}. Free disk space or choose another --state-dir.`, { cause })
      }
    }
  }

  private flushQuietly(): void {
    try {
      this.flush()
    } catch (err) {
      this.changed = true
      if (isNoSpace((err as Error).cause)) this.refusedForSpace('state.json')
      else this.logger.error({ err: (err as Error).message }, 'outbox: periodic sync failed; retrying')
    }
  }
}

/** A write refused for want of space: the disk is full, or the user's quota is used up. */
function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}
