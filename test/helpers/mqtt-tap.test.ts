import { describe, expect, it } from 'vitest'
import { publishParser, type TappedPublish } from './mqtt-tap.ts'

/** An MQTT 3.1.1 packet: fixed header byte, remaining length (variable byte integer), body. */
function packet(first: number, body: Buffer): Buffer {
  const length: number[] = []
  let n = body.length
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    length.push(b)
  } while (n > 0)
  return Buffer.concat([Buffer.from([first, ...length]), body])
}

function publish(topic: string, payload: string, o: { qos?: number; dup?: boolean; id?: number } = {}): Buffer {
  const qos = o.qos ?? 1
  const t = Buffer.from(topic)
  const header = Buffer.alloc(2 + t.length + (qos > 0 ? 2 : 0))
  header.writeUInt16BE(t.length, 0)
  t.copy(header, 2)
  if (qos > 0) header.writeUInt16BE(o.id ?? 1, 2 + t.length)
  return packet(0x30 | (o.dup ? 8 : 0) | (qos << 1), Buffer.concat([header, Buffer.from(payload)]))
}

describe('publishParser', () => {
  it('reports each PUBLISH of a client stream, whatever the chunking, and skips other packets', () => {
    const got: Omit<TappedPublish, 'connection'>[] = []
    const parse = publishParser((p) => got.push(p))
    const big = 'x'.repeat(20_000) // a remaining length of three bytes
    const stream = Buffer.concat([
      packet(0x10, Buffer.from('connect-body')),
      publish('ef/v1/dev/pi-01/pred', '{"seq":1}'),
      packet(0xc0, Buffer.alloc(0)), // PINGREQ
      publish('ef/v1/dev/pi-01/pred', big, { dup: true, id: 7 }),
      publish('ef/v1/dev/pi-01/status', 'online', { qos: 0 }),
    ])
    for (let i = 0; i < stream.length; i += 3) parse(stream.subarray(i, i + 3))
    expect(got.map((p) => ({ topic: p.topic, payload: p.payload.length > 100 ? `${p.payload.length} bytes` : p.payload.toString(), dup: p.dup, qos: p.qos }))).toEqual([
      { topic: 'ef/v1/dev/pi-01/pred', payload: '{"seq":1}', dup: false, qos: 1 },
      { topic: 'ef/v1/dev/pi-01/pred', payload: '20000 bytes', dup: true, qos: 1 },
      { topic: 'ef/v1/dev/pi-01/status', payload: 'online', dup: false, qos: 0 },
    ])
  })
})
