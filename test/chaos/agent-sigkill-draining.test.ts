import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePorts, startHubProcess } from '../helpers/hub-process.ts'
import { startMqttTap } from '../helpers/mqtt-tap.ts'
import { perTestCleanup } from '../helpers/per-test-cleanup.ts'
import { arrivals, batch, expectArrivedInOrder, expectStoredExactlyOnce, fleetAgent, fleetDir, rowIds, storedRows, until, uplinkSummary } from './delivery-fleet.ts'

/**
 * Chaos on the delivery path: an agent builds a backlog while the hub is down, starts draining it when
 * the hub comes up, and is SIGKILLed in the middle of the drain. Restarted on the same state directory
 * it sends on from the acknowledgement cursor its outbox had recorded: the hub stores every reading once.
 * The hub paces the device's publishes (a flag of its own), so the drain lasts long enough to land in.
 */
const DEVICE = 'pi-drain'
const cleanup = perTestCleanup()

describe('agent SIGKILL while draining its outbox', { timeout: 300_000 }, () => {
  it('loses and duplicates nothing; the restarted agent resumes from the recorded acknowledgements', async () => {
    const root = cleanup.tempDir('ef-chaos-drain-')
    const fleet = await fleetDir(join(root, 'hub'), [DEVICE])
    const stateDir = join(root, DEVICE)
    const ports = await freePorts(3)
    // the agents reach the hub through a tap that records the order of what arrives
    const tap = await startMqttTap({ port: ports[1]! })
    cleanup.defer(() => tap.close())

    // one reading per message, so the backlog is 1 244 messages (plus drift windows)
    const first = fleetAgent(fleet, DEVICE, { hubUrl: tap.url, stateDir, args: ['--csv', batch(2), '--batch-size', '1', '--drain-timeout', '300', '--log-level', 'info'] })
    cleanup.defer(() => first.stop())
    await until('the backlog to be complete', () => first.stderr.includes('readings done; sending what the outbox holds') || undefined, () => first.stderr.slice(-500))
    expect(tap.publishes).toHaveLength(0)

    // 40 messages a second: a drain of ~30 s
    const hub = await startHubProcess({ dataDir: fleet.dataDir, ports, extraArgs: ['--device-publish-rate', '40', '--device-publish-burst', '20'] })
    cleanup.defer(() => hub.stop('SIGKILL'))
    await until('the drain to be under way', () => (storedRows(fleet.dataDir, DEVICE).length >= 300 ? true : undefined))
    first.child.kill('SIGKILL')
    await first.exited
    expect(first.child.signalCode).toBe('SIGKILL')
    // mid-drain: the hub has some of the backlog, not all
    const atKill = storedRows(fleet.dataDir, DEVICE)
    expect(atKill.length).toBeLessThan(rowIds(2).length)
    // the outbox's durable cursor: every message below it was acknowledged
    const cursor = (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { heads: { telemetry: number } }).heads.telemetry
    const firstRunSeqs = expectArrivedInOrder(arrivals(tap.publishes, DEVICE), DEVICE).seqs
    const sentBefore = tap.publishes.length

    // restarted on the same state directory, with 161 new readings to make and send after the backlog
    const second = fleetAgent(fleet, DEVICE, { hubUrl: tap.url, stateDir, args: ['--csv', batch(4), '--batch-size', '1', '--drain-timeout', '300'] })
    cleanup.defer(() => second.stop())
    const r = await second.exited
    expect(r.code, r.stderr.slice(-2000)).toBe(0)
    expect(uplinkSummary(r.stderr)).toMatchObject({ dropped: 0, left: 0 })

    const resent = arrivals(tap.publishes.slice(sentBefore), DEVICE)
    // it resumed where the recorded acknowledgements got to: not from the start, and not past anything unacknowledged
    expect(resent[0]!.seq).toBe(cursor)
    expect(cursor).toBeGreaterThan(firstRunSeqs[0]!)
    const storedSeqs = new Set(atKill.map((row) => row.seq))
    const belowCursor = arrivals(tap.publishes.slice(0, sentBefore), DEVICE).filter((a) => a.channel === 'pred' && a.seq < cursor)
    expect(belowCursor.filter((a) => !storedSeqs.has(a.seq)).map((a) => a.seq), 'acknowledged, so stored').toEqual([])
    expect(cursor).toBeLessThanOrEqual(firstRunSeqs.at(-1)! + 1)
    // across both runs: in seq order, contiguous, a repeat only of a message whose acknowledgement was not yet recorded
    const { seqs } = expectArrivedInOrder(arrivals(tap.publishes, DEVICE), DEVICE)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => seqs[0]! + k))
    expectStoredExactlyOnce(storedRows(fleet.dataDir, DEVICE), [...rowIds(2), ...rowIds(4)], DEVICE)
  })
})
