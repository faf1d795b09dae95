import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeChannel, Limits, MAX_PAYLOAD_BYTES, type Predictions } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import type { AgentPrediction } from '../sinks/sink.ts'
import { HubPredictionSink } from './hub-sink.ts'
import { Outbox } from './outbox.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function outbox(): Promise<Outbox> {
  const dir = mkdtempSync(join(tmpdir(), 'ef-hub-sink-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  const box = await Outbox.open({ dir, deviceId: 'pi-01', syncIntervalMs: 60_000, firstSeq: 1 })
  cleanup.push(() => box.close())
  return box
}

function sent(box: Outbox): Predictions[] {
  const out: Predictions[] = []
  for (let m = box.takeNext(); m; m = box.takeNext()) {
    expect(m.payload.byteLength).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
    out.push(decodeChannel('pred', m.payload))
    box.ack(m)
  }
  return out
}

const model = { name: 'gas-sensor', version: '1.0.0' }
const prediction = (i: number, extra: Partial<AgentPrediction> = {}): AgentPrediction => ({
  id: `batch1.csv:${i + 1}`, ts: 1_700_000_000_000 + i, latencyMs: 0.01, label: 'Ethanol', classIndex: 0, confidence: 0.9, actual: 'Ethanol', ...extra,
})

describe('HubPredictionSink', () => {
  it('sends batches of at most Limits.batchItems, numbered in order, without the agent-only actual', async () => {
    const box = await outbox()
    const sink = new HubPredictionSink(box)
    sink.write(Array.from({ length: 2500 }, (_, i) => prediction(i)), model)
    const messages = sent(box)
    expect(messages.map((m) => [m.seq, m.items.length])).toEqual([[1, Limits.batchItems], [2, Limits.batchItems], [3, 500]])
    expect(messages.flatMap((m) => m.items.map((p) => p.id))).toEqual(Array.from({ length: 2500 }, (_, i) => `batch1.csv:${i + 1}`))
    expect(messages[0]).toMatchObject({ v: 1, deviceId: 'pi-01', model })
    expect(messages[0]!.items[0]).toEqual({ id: 'batch1.csv:1', ts: 1_700_000_000_000, latencyMs: 0.01, label: 'Ethanol', classIndex: 0, confidence: 0.9 })
  })

  it('splits a batch that would exceed the payload limit', async () => {
    const box = await outbox()
    const scores = Array.from({ length: 200 }, (_, k) => k / 1000 + 0.123456789)
    new HubPredictionSink(box).write(Array.from({ length: 1000 }, (_, i) => prediction(i, { scores })), model)
    const messages = sent(box)
    expect(messages.length).toBeGreaterThan(1)
    expect(messages.reduce((n, m) => n + m.items.length, 0)).toBe(1000)
  })

  it('refuses and counts a prediction the protocol cannot carry, and sends the rest', async () => {
    const box = await outbox()
    const sink = new HubPredictionSink(box)
    sink.write([prediction(0), prediction(1, { id: 'x'.repeat(200) }), prediction(2)], model)
    expect(sink.refused).toBe(1)
    expect(sent(box).flatMap((m) => m.items.map((p) => p.id))).toEqual(['batch1.csv:1', 'batch1.csv:3'])
  })
})
