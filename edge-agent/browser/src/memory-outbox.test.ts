import type { DeviceEvent, Predictions } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { MemoryOutbox, persistentSeq } from './memory-outbox.ts'

const model = { name: 'ultraface', version: '1.0.0' }
const pred = (seq: number): Predictions => ({ v: 1, deviceId: 'cam-1', seq, ts: 1, model, items: [{ id: `f${seq}`, ts: 1, latencyMs: 1, detections: [] }] })
const event = (seq: number): DeviceEvent => ({ v: 1, deviceId: 'cam-1', seq, ts: 1, event: { type: 'error', code: 'AGENT_QUEUE_FULL', message: 'x' } })

function counter(start = 1): () => number {
  let n = start
  return () => n++
}

describe('MemoryOutbox', () => {
  it('keeps messages in order until acknowledged, and sends the unacknowledged again after a reconnect', () => {
    const outbox = new MemoryOutbox({ deviceId: 'cam-1', nextSeq: counter() })
    for (let i = 0; i < 3; i++) outbox.enqueue('pred', pred)
    const [a, b, c] = outbox.unsent()
    expect([a!.seq, b!.seq, c!.seq]).toEqual([1, 2, 3])
    expect(a!.topic).toBe('ef/v1/dev/cam-1/pred')
    for (const m of [a!, b!, c!]) m.sent = true
    outbox.acknowledge(a!)
    expect(outbox.unsent()).toEqual([])
    outbox.resendAll()
    expect(outbox.unsent().map((m) => m.seq)).toEqual([2, 3])
    expect(outbox.depth).toBe(2)
  })

  it('drops the oldest telemetry when full, counts it, and keeps events', () => {
    const outbox = new MemoryOutbox({ deviceId: 'cam-1', maxMessages: 3, nextSeq: counter() })
    outbox.enqueue('events', event)
    outbox.enqueue('pred', pred)
    outbox.enqueue('pred', pred)
    outbox.enqueue('pred', pred)
    outbox.enqueue('pred', pred)
    expect(outbox.unsent().map((m) => [m.channel, m.seq])).toEqual([['events', 1], ['pred', 4], ['pred', 5]])
    expect(outbox.dropped).toBe(2)
  })

  it('refuses what the protocol refuses, without using a slot', () => {
    const outbox = new MemoryOutbox({ deviceId: 'cam-1', nextSeq: counter() })
    expect(() => outbox.enqueue('pred', (seq) => ({ ...pred(seq), items: [] }))).toThrow(/invalid predictions/)
    expect(outbox.depth).toBe(0)
  })
})

describe('persistentSeq', () => {
  it('numbers on from what the browser stored, or from the clock × 1000 without it', () => {
    const data = new Map<string, string>()
    const store = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) }
    const first = persistentSeq(store, 'cam-1', () => 1_700_000_000_000)
    expect([first(), first()]).toEqual([1_700_000_000_000_000, 1_700_000_000_000_001])
    const again = persistentSeq(store, 'cam-1', () => 0)
    expect(again()).toBe(1_700_000_000_000_002)
  })
})
