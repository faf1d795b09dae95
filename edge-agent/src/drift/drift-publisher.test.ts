import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DriftWindow, type WindowContent } from '@edgefleet/models/drift'
import { decodeChannel, deviceTopic, ProtocolError } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { Outbox, type Uplink } from '../uplink/outbox.ts'
import { DriftPublisher } from './drift-publisher.ts'
import { CLASSES, outputs, records, testReference } from './test-reference.ts'

const MODEL = { name: 'gas-sensor', version: '1.0.0' }
const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ef-drift-publisher-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function content(n: number): WindowContent {
  const w = new DriftWindow(testReference().features, CLASSES)
  const out = outputs(n)
  records(n, 1).forEach((r, i) => w.add(r.ts, r.values, 0, out.data, i * CLASSES))
  return w.take()
}

describe('DriftPublisher', () => {
  it('puts each window into the outbox as a DriftSummary numbered like every other uplink message', async () => {
    const box = await Outbox.open({ dir: tempDir(), deviceId: 'pi-01', syncIntervalMs: 60_000, firstSeq: 7 })
    cleanup.push(() => box.close())
    box.enqueue('events', (seq) => ({ v: 1, deviceId: 'pi-01', seq, ts: 1, event: { type: 'command-result', commandId: 'c', ok: true } }))
    const p = new DriftPublisher({ model: MODEL, uplink: box })
    p.publish(content(40))
    p.publish(content(3))
    expect(p).toMatchObject({ sent: 2, written: 0, refused: 0 })
    const messages = []
    for (let m = box.takeNext(); m; m = box.takeNext()) {
      messages.push(m)
      box.ack(m)
    }
    const drift = messages.filter((m) => m.channel === 'drift')
    expect(drift.map((m) => m.topic)).toEqual([deviceTopic('pi-01', 'drift'), deviceTopic('pi-01', 'drift')])
    const summaries = drift.map((m) => decodeChannel('drift', m.payload))
    expect(summaries.map((s) => s.seq)).toEqual([8, 9])
    expect(summaries[0]).toMatchObject({ v: 1, deviceId: 'pi-01', model: MODEL, window: { count: 40 }, outputs: { classCounts: expect.any(Array) } })
    expect(summaries[1]!.features[0]).toMatchObject({ count: 3, missing: 0 })
  })

  it('writes summaries to a JSONL file, with or without a hub; without one, seqs count windows', async () => {
    const file = join(tempDir(), 'drift.jsonl')
    const p = new DriftPublisher({ model: MODEL, out: createWriteStream(file), ownsOut: true })
    p.publish(content(10))
    p.publish(content(20))
    await p.close()
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => decodeChannel('drift', l))
    expect(lines.map((s) => [s.deviceId, s.seq, s.window.count])).toEqual([['local', 1, 10], ['local', 2, 20]])
    expect(p).toMatchObject({ sent: 0, written: 2 })
  })

  it('counts a summary the uplink refuses instead of failing the run', () => {
    const refusing: Uplink = {
      deviceId: 'pi-01',
      enqueue: () => {
        throw new ProtocolError('PROTOCOL_PAYLOAD_TOO_LARGE', 'too large')
      },
    }
    const p = new DriftPublisher({ model: MODEL, uplink: refusing })
    expect(() => p.publish(content(5))).not.toThrow()
    expect(p).toMatchObject({ sent: 0, refused: 1 })
  })
})
