import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { mountSmallDisk } from '@edgefleet/edge-agent/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startAgent } from '../helpers/agent-child.ts'
import { freePorts, startHubProcess } from '../helpers/hub-process.ts'
import { perTestCleanup } from '../helpers/per-test-cleanup.ts'
import { batch, fleetDir, rowIds, storedRows, until, uplinkSummary } from './delivery-fleet.ts'

/**
 * Chaos on the agent's disk: its state directory is on a real, nearly full file system (a 2 MiB tmpfs
 * with a ballast file), and the hub is unreachable, so the outbox grows into ENOSPC long before its own
 * bound. The documented policy (edge-agent README, "Outbox"): the outbox behaves as full — drops the
 * oldest telemetry a segment at a time, counts every drop, logs what to do — and the agent keeps
 * predicting. When the hub comes up, acknowledged segments are deleted, space frees, and delivery
 * resumes in order. Every message the agent numbered is stored by the hub or counted as dropped.
 */
const DEVICE = 'pi-disk-full'
const BATCHES = [1, 2, 3, 4, 5, 6, 8, 9]
const cleanup = perTestCleanup()

describe('agent outbox on a full disk', { timeout: 300_000 }, () => {
  it('survives ENOSPC: drops and counts the oldest telemetry, then delivers the rest in order once the hub is back', async () => {
    // fails (not skips) without root: the point is a real full disk
    const disk = mountSmallDisk(2 * 1024 * 1024)
    // not in the cleanup chain, which stops at its first failure: a mount must never outlive the run
    onTestFinished(() => disk.unmount())
    disk.fill(600 * 1024)
    const root = cleanup.tempDir('ef-chaos-disk-full-')
    const fleet = await fleetDir(join(root, 'hub'), [DEVICE])
    const ports = await freePorts(3)
    const stateDir = join(disk.dir, 'agent')

    // the hub's port is free: nobody listens until the disk is full
    const agent = startAgent([
      'run', '--model', 'gas-sensor', '--columns', 'gas,concentration,*', '--no-samples', '--no-drift',
      '--hub', `mqtt://127.0.0.1:${ports[1]}`, '--device-id', DEVICE, '--state-dir', stateDir, '--format', 'none', '--summary', '--json',
      // a 1 MiB outbox bound on 600 KiB of free space: the disk runs out first
      '--outbox-max-mb', '1', '--drain-timeout', '300', '--rate', '400', ...BATCHES.flatMap((n) => ['--csv', batch(n)]),
    ], { env: { EDGEFLEET_DEVICE_SECRET: fleet.secrets.get(DEVICE)! } })
    cleanup.defer(() => agent.stop())
    await until('the outbox to report the full disk', () => (/ENOSPC/.test(agent.stderr) ? true : undefined), () => agent.stderr.slice(-1000))
    expect(agent.stderr).toMatch(/Free space on the state directory's disk/)
    expect(agent.child.exitCode, 'the agent is still running on a full disk').toBeNull()

    const hub = await startHubProcess({ dataDir: fleet.dataDir, ports })
    cleanup.defer(() => hub.stop('SIGKILL'))
    const r = await agent.exited
    expect(r.code, r.stderr.slice(-2000)).toBe(0)
    const uplink = uplinkSummary(r.stderr)
    expect(uplink.left).toBe(0)
    expect(uplink.dropped).toBeGreaterThan(0)

    // every numbered message is stored once or counted as dropped: nothing lost silently
    const rows = storedRows(fleet.dataDir, DEVICE)
    const storedSeqs = new Set(rows.map((row) => row.seq))
    expect(storedSeqs.size + uplink.dropped).toBe(uplink.enqueued)
    expect(uplink.sent).toBe(storedSeqs.size)
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { nextSeq: number; dropped: Record<string, number> }
    const firstSeq = state.nextSeq - uplink.enqueued
    expect(Math.min(...storedSeqs)).toBeGreaterThanOrEqual(firstSeq)
    expect(state.dropped).toEqual({ pred: uplink.dropped })

    // delivered in order, each reading once, up to the very last reading made
    const expected = BATCHES.flatMap((n) => rowIds(n))
    const position = new Map(expected.map((id, i) => [id, i]))
    const positions = rows.map((row) => position.get(row.readingId) ?? -1)
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!)), 'stored readings, in seq order, follow reading order').toBe(true)
    expect(rows.at(-1)!.readingId).toBe(expected.at(-1))
    expect(rows.length).toBeLessThan(expected.length)
  })
})
