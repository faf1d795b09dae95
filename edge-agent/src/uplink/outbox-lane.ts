import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../errors.ts'
import { decodeFrame, scanFrames, type DecodedFrame, type OutboxChannel } from './outbox-frame.ts'

interface Segment {
  readonly path: string
  readonly fd: number
  size: number
  /** records of this segment still in the lane (not yet acknowledged or dropped) */
  live: number
  /** seq of the last record written to the file (-1 while it has none) */
  lastSeq: number
}

/** One record of a lane: where its frame is, and how far it has got. */
export interface LaneEntry {
  readonly seq: number
  readonly channel: OutboxChannel
  readonly length: number
  readonly segment: Segment
  readonly offset: number
  state: 'queued' | 'inflight' | 'acked' | 'removed'
}

const SEGMENT_NAME = /^\d{16}\.seg$/
/** entries popped before the array is compacted */
const COMPACT_AFTER = 4096

/**
 * A FIFO of frames in append-only segment files (`<dir>/<first seq, 16 digits>.seg`). Records leave
 * from the head only, by acknowledgement (out-of-order acks wait until the head catches up) or by
 * being dropped, so a segment is deleted once all its records have left. The index lives in memory;
 * payloads are read back from disk when they are sent.
 */
export class Lane {
  private entries: LaneEntry[] = []
  private head = 0
  /** no entry before this index is queued */
  private cursor = 0
  private readonly segments: Segment[] = []
  /** emptied segments, deleted after the next state write (which records that they are empty) */
  private condemned: Segment[] = []
  private unsynced = false
  /** bytes of the frames still in the lane */
  liveBytes = 0
  /** records neither acknowledged nor dropped */
  pending = 0

  private constructor(readonly dir: string, private readonly segmentBytes: number) {}

  /** Opens the lane in `dir`, keeping the records with `seq >= headSeq`; truncates a torn tail. */
  static recover(dir: string, headSeq: number, segmentBytes: number, logger: Logger): { lane: Lane; maxSeq: number } {
    mkdirSync(dir, { recursive: true })
    const lane = new Lane(dir, segmentBytes)
    let maxSeq = -1
    for (const name of readdirSync(dir).filter((n) => SEGMENT_NAME.test(n)).sort()) {
      const path = join(dir, name)
      const bytes = readFileSync(path)
      const { frames, validBytes } = scanFrames(bytes)
      const segment: Segment = { path, fd: openSync(path, 'a+'), size: validBytes, live: 0, lastSeq: frames.at(-1)?.seq ?? -1 }
      if (validBytes < bytes.length) {
        // a record cut short by a crash (or never flushed before a power cut): keep the good prefix
        logger.warn({ segment: path, discardedBytes: bytes.length - validBytes }, 'outbox: discarding a torn record at the end of a segment')
        ftruncateSync(segment.fd, validBytes)
      }
      for (const f of frames) {
        maxSeq = Math.max(maxSeq, f.seq)
        if (f.seq < headSeq || f.seq <= (lane.entries.at(-1)?.seq ?? -1)) continue
        lane.entries.push({ seq: f.seq, channel: f.channel, length: f.length, segment, offset: f.offset, state: 'queued' })
        segment.live++
        lane.liveBytes += f.length
        lane.pending++
      }
      lane.segments.push(segment)
    }
    // every segment but the last (where appends continue) is deleted once it holds nothing live
    for (const s of lane.segments.slice(0, -1)) if (s.live === 0) lane.condemn(s)
    return { lane, maxSeq }
  }

  /** Appends a frame. Throws on an I/O error, after cutting the file back so no partial frame stays. */
  append(seq: number, channel: OutboxChannel, frame: Buffer): void {
    const segment = this.activeSegment(seq, frame.length)
    try {
      for (let written = 0; written < frame.length;) written += writeSync(segment.fd, frame, written)
    } catch (err) {
      ftruncateSync(segment.fd, segment.size)
      throw err
    }
    this.entries.push({ seq, channel, length: frame.length, segment, offset: segment.size, state: 'queued' })
    segment.size += frame.length
    segment.lastSeq = seq
    segment.live++
    this.liveBytes += frame.length
    this.pending++
    this.unsynced = true
  }

  /** The oldest queued (not in-flight) record. */
  firstQueued(): LaneEntry | undefined {
    if (this.cursor < this.head) this.cursor = this.head
    while (this.cursor < this.entries.length && this.entries[this.cursor]!.state !== 'queued') this.cursor++
    return this.entries[this.cursor]
  }

  /** The record's topic and payload, read back from its segment. */
  read(e: LaneEntry): DecodedFrame {
    const frame = Buffer.allocUnsafe(e.length)
    readSync(e.segment.fd, frame, 0, e.length, e.offset)
    return decodeFrame(frame)
  }

  /** The broker acknowledged `e`: it leaves the lane once everything before it has. */
  ack(e: LaneEntry): void {
    if (e.state === 'acked' || e.state === 'removed') return
    e.state = 'acked'
    this.pending--
    this.popDone()
  }

  /** Puts every in-flight record back in the queue (the connection they went out on is gone). */
  requeueInflight(): void {
    for (let i = this.head; i < this.entries.length; i++) if (this.entries[i]!.state === 'inflight') this.entries[i]!.state = 'queued'
    this.cursor = this.head
  }

  /** Puts one in-flight record back in the queue. */
  release(e: LaneEntry): void {
    if (e.state !== 'inflight') return
    e.state = 'queued'
    this.cursor = this.head
  }

  /** Drops the oldest record (queued or in flight) to make room; returns it, or undefined when the lane is empty. */
  dropHead(): LaneEntry | undefined {
    const e = this.entries[this.head]
    if (!e) return undefined
    e.state = 'removed'
    this.pending--
    this.popDone()
    return e
  }

  /**
   * Drops every record of the oldest segment so that its file can go; returns the records dropped. None
   * when that segment is the one appended to, or holds a record in flight (its acknowledgement may
   * come, and a message is either delivered or counted as dropped, never both).
   */
  dropHeadSegment(): LaneEntry[] {
    const first = this.entries[this.head]
    if (!first || first.segment === this.segments.at(-1)) return []
    for (let i = this.head; this.entries[i]?.segment === first.segment; i++) if (this.entries[i]!.state === 'inflight') return []
    const dropped: LaneEntry[] = []
    // the head is never an acknowledged record: those leave as soon as everything before them has
    while (this.entries[this.head]?.segment === first.segment) dropped.push(this.dropHead()!)
    return dropped
  }

  /** The highest seq in a segment file that stays (not emptied), or -1. */
  get diskMaxSeq(): number {
    return this.segments.reduce((max, s) => Math.max(max, s.lastSeq), -1)
  }

  /** Seq of the oldest record still in the lane (acknowledged-out-of-order records count), if any. */
  get headSeq(): number | undefined {
    return this.entries[this.head]?.seq
  }

  /** fsyncs the segment appended to since the last call. */
  sync(): void {
    if (!this.unsynced) return
    this.unsynced = false
    const active = this.segments.at(-1)
    if (active) fsyncSync(active.fd)
  }

  /**
   * Deletes emptied segments; call only after the state recording that they are empty is durable, or
   * pass `below`: then only segments whose seqs are all below it go (the numbering restored on open
   * from the state and the remaining files stays past them). Returns how many were deleted.
   */
  deleteCondemned(below = Infinity): number {
    const keep: Segment[] = []
    let deleted = 0
    for (const s of this.condemned.splice(0)) {
      if (s.lastSeq >= below) {
        keep.push(s)
        continue
      }
      closeSync(s.fd)
      unlinkSync(s.path)
      deleted++
    }
    this.condemned = keep
    return deleted
  }

  /** Marks the last segment for deletion too when it holds nothing (a clean, drained close leaves no files). */
  condemnIfEmpty(): void {
    const last = this.segments.at(-1)
    if (last && last.live === 0) this.condemn(last)
  }

  /** Closes every file. */
  close(): void {
    for (const s of [...this.segments, ...this.condemned]) closeSync(s.fd)
    this.segments.length = 0
    this.condemned = []
  }

  private activeSegment(seq: number, frameBytes: number): Segment {
    const last = this.segments.at(-1)
    if (last && (last.size === 0 || last.size + frameBytes <= this.segmentBytes)) return last
    if (last && last.live === 0) this.condemn(last)
    const path = join(this.dir, `${String(seq).padStart(16, '0')}.seg`)
    const fd = openSync(path, 'a+')
    const segment: Segment = { path, fd, size: fstatSync(fd).size, live: 0, lastSeq: -1 }
    this.segments.push(segment)
    return segment
  }

  private popDone(): void {
    while (this.head < this.entries.length) {
      const e = this.entries[this.head]!
      if (e.state !== 'acked' && e.state !== 'removed') break
      this.head++
      this.liveBytes -= e.length
      if (--e.segment.live === 0 && e.segment !== this.segments.at(-1)) this.condemn(e.segment)
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.cursor = Math.max(0, this.cursor - this.head)
      this.head = 0
    }
  }

  private condemn(s: Segment): void {
    const i = this.segments.indexOf(s)
    if (i >= 0) this.segments.splice(i, 1)
    this.condemned.push(s)
  }
}
