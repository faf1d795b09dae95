import { deviceTopic, examples } from '@edgefleet/protocol'
import { describe, expect, it, vi } from 'vitest'
import { HubError } from '../errors.ts'
import type { IngestResult } from '../ingest/ingest.ts'
import { ackAfterStore, type Delivery } from './ack-after-store.ts'

/**
 * The acknowledgement ordering on its own, with an ingest whose store finishes when the test says so
 * (the integration test in test/hub-external-broker.test.ts shows Mosquitto redelivering for real).
 */
function harness() {
  let settle!: { resolve(r: IngestResult): void; reject(e: Error): void }
  const ingest = {
    handle: vi.fn(() => new Promise<IngestResult>((resolve, reject) => (settle = { resolve, reject }))),
  }
  const events: string[] = []
  const delivered: Delivery[] = []
  const handler = ackAfterStore(ingest, {
    onDelivered: (d) => {
      delivered.push(d)
      events.push(`delivered:${d.kind}`)
    },
    onStoreFailed: (err) => events.push(`failed:${err.message}`),
  })
  const ack = vi.fn((code: Error | number) => void events.push(`ack:${String(code)}`))
  const receive = (topic: string, payload: string): void => handler(topic, Buffer.from(payload), {}, ack)
  return { ingest, events, delivered, ack, receive, settle: () => settle }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const pred = JSON.stringify({ ...examples.pred, deviceId: 'dev-a' })

describe('ackAfterStore', () => {
  it('acknowledges a message only once ingest has stored it', async () => {
    const h = harness()
    h.receive(deviceTopic('dev-a', 'pred'), pred)
    expect(h.ingest.handle).toHaveBeenCalledWith('dev-a', 'pred', Buffer.from(pred))
    await flush()
    expect(h.ack).not.toHaveBeenCalled() // still storing: a crash now leaves it unacknowledged
    h.settle().resolve({ outcome: 'stored', predictions: 1 })
    await flush()
    expect(h.events).toEqual(['delivered:handled', 'ack:0'])
    expect(h.delivered[0]).toMatchObject({ kind: 'handled', deviceId: 'dev-a', channel: 'pred', result: { outcome: 'stored' } })
  })

  it('never acknowledges a message whose store failed, and reports it', async () => {
    const h = harness()
    h.receive(deviceTopic('dev-a', 'pred'), pred)
    h.settle().reject(new HubError('HUB_STORE_FAILED', 'disk full'))
    await flush()
    expect(h.ack).not.toHaveBeenCalled()
    expect(h.events).toEqual(['failed:disk full'])
  })

  it('acknowledges a message the hub refuses for good (4xx), so that it holds up nothing behind it', async () => {
    const h = harness()
    h.receive(deviceTopic('dev-a', 'status'), '{}')
    h.settle().reject(new HubError('HUB_DEVICE_NOT_FOUND', 'no device dev-a'))
    await flush()
    expect(h.events).toEqual(['delivered:rejected', 'ack:0'])
    expect(h.delivered[0]).toMatchObject({ kind: 'rejected', deviceId: 'dev-a', channel: 'status', error: { code: 'HUB_DEVICE_NOT_FOUND' } })
  })

  it('acknowledges duplicates and invalid payloads (ingest counted them; a redelivery would not help)', async () => {
    const h = harness()
    h.receive(deviceTopic('dev-a', 'pred'), pred)
    h.settle().resolve({ outcome: 'duplicate' })
    await flush()
    h.receive(deviceTopic('dev-a', 'pred'), '{"v":1}')
    h.settle().resolve({ outcome: 'invalid', code: 'PROTOCOL_PAYLOAD_INVALID', message: 'bad' })
    await flush()
    expect(h.events).toEqual(['delivered:handled', 'ack:0', 'delivered:handled', 'ack:0'])
  })

  it('acknowledges and reports as ignored what is no device uplink topic, without ingesting it', async () => {
    const h = harness()
    for (const topic of ['ef/v1/dev/_reserved/pred', deviceTopic('dev-a', 'desired'), 'ef/v1/dev/dev-a/unknown', 'elsewhere/entirely']) h.receive(topic, pred)
    await flush()
    expect(h.ingest.handle).not.toHaveBeenCalled()
    expect(h.delivered.map((d) => d.kind)).toEqual(['ignored', 'ignored', 'ignored', 'ignored'])
    expect(h.ack).toHaveBeenCalledTimes(4)
  })
})
