import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeChannel, Limits, MAX_PAYLOAD_BYTES, mulberry32, type Labels, type Samples } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { Outbox } from '../uplink/outbox.ts'
import { DelayedLabels } from './delayed-labels.ts'
import type { Sample } from './sample-item.ts'
import { SampleUploader } from './sample-uploader.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const V1 = { name: 'gas-sensor', version: '1.0.0' }
const V2 = { name: 'gas-sensor', version: '1.1.0' }
const T0 = 1_700_000_000_000

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ef-samples-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function outbox(dir: string): Promise<Outbox> {
  const box = await Outbox.open({ dir, deviceId: 'pi-01', syncIntervalMs: 60_000, firstSeq: 1 })
  cleanup.push(() => box.close())
  return box
}

/** Takes every message out of the outbox, as the broker would acknowledge them. */
function drain(box: Outbox): { samples: Samples[]; labels: Labels[]; bytes: number[] } {
  const out = { samples: [] as Samples[], labels: [] as Labels[], bytes: [] as number[] }
  for (let m = box.takeNext(); m; m = box.takeNext()) {
    out.bytes.push(m.payload.byteLength)
    if (m.channel === 'samples') out.samples.push(decodeChannel('samples', m.payload))
    if (m.channel === 'labels') out.labels.push(decodeChannel('labels', m.payload))
    box.ack(m)
  }
  return out
}

/** A gas-sensor-like sample: 128 raw values with the CSV's six decimals. */
function sample(i: number, random = mulberry32(i)): Sample {
  const features = Array.from({ length: 128 }, (_, j) => Math.round((j % 8 === 0 ? 20_000 : 10) * (random() - 0.3) * 1e6) / 1e6)
  return { id: `batch3.csv:${i + 1}`, ts: T0 + i, reason: 'low-confidence', features, prediction: { id: `batch3.csv:${i + 1}`, ts: T0 + i, latencyMs: 0.0123, label: 'Ethanol', classIndex: 0, confidence: 0.4123456 } }
}

describe('SampleUploader', () => {
  it('packs samples of 128 features into messages under the payload limit, in order', async () => {
    const box = await outbox(stateDir())
    const uploader = new SampleUploader({ uplink: box, flushMs: 60_000 })
    const kept = Array.from({ length: 1000 }, (_, i) => sample(i))
    for (const s of kept) uploader.add(s, V1)
    uploader.close()
    const { samples, bytes } = drain(box)
    expect(samples.flatMap((m) => m.items)).toEqual(kept)
    for (const b of bytes) expect(b).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
    // every message but the last is full: the next sample would not have fitted
    for (const b of bytes.slice(0, -1)) expect(b).toBeGreaterThan(MAX_PAYLOAD_BYTES - 4096)
    const perMessage = samples.map((m) => m.items.length)
    expect(Math.min(...perMessage.slice(0, -1))).toBeGreaterThan(100)
    expect(Math.max(...perMessage)).toBeLessThan(Limits.batchItems)
    expect(uploader.figures()).toEqual({ uploaded: 1000, messages: samples.length, refused: 0 })
  })

  it('sends a partial batch flushMs after its first sample, and at once when the model changes', async () => {
    const box = await outbox(stateDir())
    const uploader = new SampleUploader({ uplink: box, flushMs: 20 })
    cleanup.push(() => uploader.close())
    uploader.add(sample(0), V1)
    uploader.add(sample(1), V1)
    expect(box.depth).toBe(0)
    await expect.poll(() => box.depth).toBe(1)
    uploader.add(sample(2), V1)
    uploader.add(sample(3), V2)
    expect(box.depth).toBe(2)
    uploader.close()
    const { samples } = drain(box)
    expect(samples.map((m) => [m.model.version, m.items.map((s) => s.id)])).toEqual([
      ['1.0.0', ['batch3.csv:1', 'batch3.csv:2']],
      ['1.0.0', ['batch3.csv:3']],
      ['1.1.0', ['batch3.csv:4']],
    ])
  })

  it('counts a sample the protocol refuses and sends the rest', async () => {
    const box = await outbox(stateDir())
    const uploader = new SampleUploader({ uplink: box, flushMs: 60_000 })
    uploader.add(sample(0), V1)
    uploader.add({ ...sample(1), features: [Number.NaN as unknown as number] }, V1)
    uploader.add(sample(2), V1)
    uploader.close()
    expect(drain(box).samples.flatMap((m) => m.items.map((s) => s.id))).toEqual(['batch3.csv:1', 'batch3.csv:3'])
    expect(uploader.figures()).toMatchObject({ uploaded: 2, refused: 1 })
  })
})

describe('DelayedLabels', () => {
  it('sends the labels of uploaded samples once the delay has passed, not before, and keeps the rest across a restart', async () => {
    const dir = stateDir()
    let t = T0
    const now = (): number => t
    const box = await outbox(dir)
    const labels = DelayedLabels.open({ dir, uplink: box, nextSeq: box.nextSeq, delayMs: 30_000, flushMs: 0, now })
    const uploader = new SampleUploader({ uplink: box, flushMs: 60_000, labels, now })
    uploader.add(sample(0), V1, 'Ethanol')
    uploader.add(sample(1), V1) // no label in its reading
    t += 10_000
    uploader.add(sample(2), V1, 'Toluene')
    uploader.flush()
    labels.sendDue()
    expect(drain(box)).toMatchObject({ samples: [{ items: [{ id: 'batch3.csv:1' }, { id: 'batch3.csv:2' }, { id: 'batch3.csv:3' }] }], labels: [] })

    t = T0 + 29_999
    labels.sendDue()
    expect(drain(box).labels).toEqual([])
    t = T0 + 30_000
    labels.sendDue()
    const first = drain(box).labels
    expect(first.map((m) => m.items)).toEqual([[{ sampleId: 'batch3.csv:1', label: 'Ethanol', ts: T0 + 30_000, source: 'label-column' }]])
    expect(labels.figures()).toEqual({ sent: 1, pending: 1, refused: 0, overflow: 0 })

    // the agent stops before the second label is due, and starts again later
    labels.close()
    await box.close()
    const again = await Outbox.open({ dir, deviceId: 'pi-01', syncIntervalMs: 60_000 })
    cleanup.push(() => again.close())
    const restarted = DelayedLabels.open({ dir, uplink: again, nextSeq: again.nextSeq, delayMs: 30_000, flushMs: 0, now })
    cleanup.push(() => restarted.close())
    expect(restarted.figures().pending).toBe(1)
    t = T0 + 40_000
    restarted.sendDue()
    restarted.sendDue()
    const second = drain(again).labels
    expect(second.map((m) => m.items.map((l) => [l.sampleId, l.label, l.ts]))).toEqual([[['batch3.csv:3', 'Toluene', T0 + 40_000]]])
    expect(second[0]!.seq).toBeGreaterThan(first[0]!.seq)
  })

  it('does not keep the labels of a samples message the outbox refused', async () => {
    const dir = stateDir()
    const box = await outbox(dir)
    const labels = DelayedLabels.open({ dir, uplink: box, nextSeq: box.nextSeq, delayMs: 0, flushMs: 0 })
    cleanup.push(() => labels.close())
    const uploader = new SampleUploader({ uplink: box, flushMs: 60_000, labels })
    uploader.add({ ...sample(0), features: [Number.NaN as unknown as number] }, V1, 'Ethanol')
    uploader.add(sample(1), V1, 'Acetone')
    uploader.close()
    labels.sendDue()
    const { samples, labels: sent } = drain(box)
    expect(samples.flatMap((m) => m.items.map((s) => s.id))).toEqual(['batch3.csv:2'])
    expect(sent.flatMap((m) => m.items.map((l) => l.sampleId))).toEqual(['batch3.csv:2'])
  })
})
