import * as zlib from 'node:zlib'

/**
 * One outbox record on disk (all integers little-endian):
 *
 *   frame := u32 bodyLength | u32 crc32(body) | body
 *   body  := u8 formatVersion (1) | u8 channel | f64 seq | u16 topicBytes | topic (UTF-8) | payload (UTF-8 JSON)
 *
 * The length prefix lets a reader step from frame to frame; the CRC (IEEE 802.3, as zlib) tells a
 * complete frame from a torn or partly-flushed one after a crash. `seq` is a float64 because it is a
 * JavaScript safe integer (the protocol's `Seq`), which a u32 would not hold.
 */

/** The uplink channels that go through the outbox (status is retained, latest-wins, and never queued). */
export const OUTBOX_CHANNELS = ['pred', 'drift', 'samples', 'labels', 'events'] as const
/** One of {@link OUTBOX_CHANNELS}. */
export type OutboxChannel = (typeof OUTBOX_CHANNELS)[number]

/** Bytes before a frame's body: its length and its CRC. */
const FRAME_HEADER_BYTES = 8
const BODY_FIXED_BYTES = 1 + 1 + 8 + 2
const FORMAT_VERSION = 1
/** a body larger than this cannot be ours (payloads are capped at 256 KiB): the length prefix is garbage */
const MAX_BODY_BYTES = 1 << 20

/** A record decoded from a frame. */
export interface DecodedFrame {
  seq: number
  channel: OutboxChannel
  topic: string
  payload: Buffer
}

/** Where a valid frame sits in a segment, without its payload (what recovery keeps in memory). */
export interface FrameLocation {
  seq: number
  channel: OutboxChannel
  offset: number
  length: number
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** zlib's CRC-32 where Node has it (20.15+, 22.2+); a table-driven one otherwise */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32

/** CRC-32 (IEEE), the checksum zlib and gzip use. */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(bytes) >>> 0 : crc32Portable(bytes)
}

/** The same CRC-32 in plain JavaScript, for Node versions without zlib.crc32. */
export function crc32Portable(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** Encodes one record as a frame, ready to append. */
export function encodeFrame(seq: number, channel: OutboxChannel, topic: string, payload: string): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8')
  // Buffer.from then concat: much faster than writing a long string into a large buffer at an offset
  const payloadBytes = Buffer.from(payload, 'utf8')
  const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES + BODY_FIXED_BYTES)
  head.writeUInt32LE(BODY_FIXED_BYTES + topicBytes.length + payloadBytes.length, 0)
  head.writeUInt8(FORMAT_VERSION, 8)
  head.writeUInt8(OUTBOX_CHANNELS.indexOf(channel), 9)
  head.writeDoubleLE(seq, 10)
  head.writeUInt16LE(topicBytes.length, 18)
  const frame = Buffer.concat([head, topicBytes, payloadBytes])
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4)
  return frame
}

/** Decodes the frame at the start of `frame` (which must be exactly one frame, as recorded by its location). */
export function decodeFrame(frame: Buffer): DecodedFrame {
  const body = frame.subarray(FRAME_HEADER_BYTES)
  const topicBytes = body.readUInt16LE(10)
  return {
    seq: body.readDoubleLE(2),
    channel: OUTBOX_CHANNELS[body.readUInt8(1)]!,
    topic: body.toString('utf8', BODY_FIXED_BYTES, BODY_FIXED_BYTES + topicBytes),
    payload: body.subarray(BODY_FIXED_BYTES + topicBytes),
  }
}

/**
 * Walks the frames of a segment's bytes. Stops at the first frame that is incomplete, fails its
 * CRC or does not parse: `validBytes` is where the good prefix ends (the file is truncated there).
 */
export function scanFrames(bytes: Buffer): { frames: FrameLocation[]; validBytes: number } {
  const frames: FrameLocation[] = []
  let offset = 0
  while (offset + FRAME_HEADER_BYTES <= bytes.length) {
    const bodyLength = bytes.readUInt32LE(offset)
    const end = offset + FRAME_HEADER_BYTES + bodyLength
    if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_BODY_BYTES || end > bytes.length) break
    const body = bytes.subarray(offset + FRAME_HEADER_BYTES, end)
    if (crc32(body) !== bytes.readUInt32LE(offset + 4) || body[0] !== FORMAT_VERSION) break
    const channel = OUTBOX_CHANNELS[body.readUInt8(1)]
    const seq = body.readDoubleLE(2)
    if (channel === undefined || !Number.isSafeInteger(seq) || BODY_FIXED_BYTES + body.readUInt16LE(10) > bodyLength) break
    frames.push({ seq, channel, offset, length: end - offset })
    offset = end
  }
  return { frames, validBytes: offset }
}
