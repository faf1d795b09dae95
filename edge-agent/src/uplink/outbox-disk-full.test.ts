import { join } from 'node:path'
import { decodeChannel, type DeviceEvent, type Predictions } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import type { Logger } from '../errors.ts'
import { Outbox, type OutboxMessage } from './outbox.ts'
import { mountSmallDisk, type SmallDisk } from './test-small-disk.ts'

const DEVICE = 'pi-01'
const cleanup: (() => Promise<void> | void)[] = []
// every step runs even when one fails: a mount left behind would outlive the test run
afterEach(async () => {
  const failures: unknown[] = []
  for (const c of cleanup.splice(0).reverse()) await Promise.resolve().then(c).catch((err: unknown) => void failures.push(err))
  if (failures.length > 0) throw failures[0]
})

function smallDisk(bytes: number): SmallDisk {
  const disk = mountSmallDisk(bytes)
  cleanup.push(() => disk.unmount())
  return disk
}

/** An outbox far larger than its disk, with small segments, that logs what it warns about into `logged`. */
async function open(dir: string, logged: string[] = []): Promise<Outbox> {
  const logger: Logger = { debug() {}, info: (_o, m) => void logged.push(`info ${m}`), warn: (_o, m) => void logged.push(`warn ${m}`), error: (_o, m) => void logged.push(`error ${m}`) }
  const box = await Outbox.open({ dir, deviceId: DEVICE, maxBytes: 64 * 1024 * 1024, segmentBytes: 32 * 1024, syncIntervalMs: 60_000, firstSeq: 1, logger })
  cleanup.push(() => box.close())
  return box
}

/** a prediction message of ~10 KB */
const pred = (id: string) => (seq: number): Predictions => ({
  v: 1, deviceId: DEVICE, seq, ts: 1_700_000_000_000, model: { name: 'gas-sensor', version: '1.0.0' },
  items: Array.from({ length: 100 }, (_, i) => ({ id: `${id}.${i}`, ts: 1_700_000_000_000, latencyMs: 0.1, label: 'x'.repeat(60) })),
})
const event = (message: string) => (seq: number): DeviceEvent => ({
  v: 1, deviceId: DEVICE, seq, ts: 1_700_000_000_000, event: { type: 'error', code: 'AGENT_QUEUE_FULL', message },
})
const idOf = (m: OutboxMessage): string =>
  m.channel === 'pred' ? decodeChannel('pred', m.payload).items[0]!.id.split('.')[0]! : (decodeChannel('events', m.payload).event as { message: string }).message

function drain(box: Outbox): OutboxMessage[] {
  const out: OutboxMessage[] = []
  for (let m = box.takeNext(); m; m = box.takeNext()) {
    out.push(m)
    box.ack(m)
  }
  return out
}

describe('Outbox on a full disk (a real tmpfs)', () => {
  it('drops the oldest telemetry, keeps events, counts every drop, never throws, and takes messages again once space frees', async () => {
    const disk = smallDisk(512 * 1024)
    const logged: string[] = []
    const box = await open(join(disk.dir, 'outbox'), logged)
    const produced: string[] = []
    const enqueue = (id: string, build: (seq: number) => Predictions | DeviceEvent, channel: 'pred' | 'events'): void => {
      produced.push(id)
      if (channel === 'pred') box.enqueue('pred', build as (seq: number) => Predictions)
      else box.enqueue('events', build as (seq: number) => DeviceEvent)
    }
    enqueue('event-early', event('event-early'), 'events')
    // ~10 KB each: 200 of them are four times what the disk holds
    for (let i = 0; i < 200; i++) {
      enqueue(`p${i}`, pred(`p${i}`), 'pred')
      if (i === 120) enqueue('event-late', event('event-late'), 'events')
    }
    expect(box.counts.diskFull).toBeGreaterThan(0)
    expect(box.counts.dropped.pred).toBeGreaterThan(0)
    expect(box.counts.dropped.events).toBe(0)
    expect(logged.filter((l) => l.includes('ENOSPC'))).toHaveLength(1)
    expect(logged.find((l) => l.includes('ENOSPC'))).toMatch(/Free space .*--outbox-max-mb/)

    const sent = drain(box)
    // no silent loss: everything produced was either kept or counted as dropped
    expect(sent.length + box.counts.dropped.pred).toBe(produced.length)
    const sentIds = sent.map(idOf)
    expect(sentIds).toEqual(expect.arrayContaining(['event-early', 'event-late']))
    // kept in seq order, and the drops were the oldest telemetry: what is kept of it is the newest
    expect(sent.map((m) => m.seq)).toEqual([...sent.map((m) => m.seq)].sort((a, b) => a - b))
    const keptPreds = sentIds.filter((id) => id.startsWith('p'))
    expect(keptPreds.at(-1)).toBe('p199')
    expect(keptPreds).toEqual(produced.filter((id) => id.startsWith('p')).slice(-keptPreds.length))

    // acknowledged: the segments go, the disk has room again, and new messages are stored, not dropped
    box.flush()
    const before = { diskFull: box.counts.diskFull, dropped: box.counts.dropped.pred }
    for (let i = 0; i < 10; i++) box.enqueue('pred', pred(`q${i}`))
    expect(box.counts).toMatchObject({ diskFull: before.diskFull, dropped: { pred: before.dropped } })
    expect(drain(box).map(idOf)).toEqual(Array.from({ length: 10 }, (_, i) => `q${i}`))
    expect(logged).toContain('info outbox: the disk has room again')
  })

  it('writes its state on a disk filled by someone else by deleting acknowledged segments first', async () => {
    const disk = smallDisk(512 * 1024)
    const box = await open(join(disk.dir, 'outbox'))
    for (let i = 0; i < 20; i++) box.enqueue('pred', pred(`p${i}`))
    // the first half is acknowledged, then another program takes every byte left
    for (let i = 0; i < 10; i++) {
      const m = box.takeNext()!
      box.ack(m)
    }
    disk.fill()
    expect(disk.free()).toBe(0)
    expect(() => box.flush()).not.toThrow()
    expect(box.counts.dropped.pred).toBe(0)
    await box.close()

    // the cursor was written: the acknowledged half is not sent again
    disk.unfill()
    const again = await open(join(disk.dir, 'outbox'))
    expect(drain(again).map(idOf)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i + 10}`))
  })

  it('with no telemetry left to drop, drops incoming events themselves and counts them', async () => {
    const disk = smallDisk(256 * 1024)
    const box = await open(join(disk.dir, 'outbox'))
    box.enqueue('events', event('first'))
    disk.fill()
    // the first may still fit in the last page of the segment file
    const produced = Array.from({ length: 50 }, (_, i) => `e${i}`)
    for (const id of produced) box.enqueue('events', event(id))
    expect(box.counts.dropped.events).toBeGreaterThan(0)
    expect(box.counts.diskFull).toBeGreaterThan(0)
    disk.unfill()
    box.enqueue('events', event('after'))
    const sent = drain(box).map(idOf)
    expect(sent.length + box.counts.dropped.events).toBe(produced.length + 2)
    expect(sent[0]).toBe('first')
    expect(sent.at(-1)).toBe('after')
  })
})
