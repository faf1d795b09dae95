import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { freePorts, startHubProcess } from '../helpers/hub-process.ts'
import { startMqttTap } from '../helpers/mqtt-tap.ts'
import { perTestCleanup } from '../helpers/per-test-cleanup.ts'
import {
  api, arrivals, batch, expectArrivedInOrder, expectStoredExactlyOnce, fleetAgent, fleetDir, rowIds, statuses, storedCount, storedRows, until, uplinkSummary,
} from './delivery-fleet.ts'

/**
 * Chaos on the delivery path: the network between agents and the hub's broker turns into a blackhole
 * for 30 s — connections stay open and swallow every byte, no RST, new connections hang — which only
 * keepalives notice. Agents (real processes replaying the gas-sensor data) keep predicting into their
 * outboxes, then drain in seq order once the link is back. The link is a TCP proxy that reads the
 * MQTT packets it forwards, so the test sees the order in which the hub received each device's messages.
 */
const DEVICES = ['pi-dark-a', 'pi-dark-b']
const OUTAGE_MS = 30_000
/** 1 244 readings at 20 a second: ~62 s, the outage lies inside it */
const SOURCE = ['--csv', batch(2), '--rate', '20']
const cleanup = perTestCleanup()

interface DeviceView {
  online: boolean
}

describe('broker unreachable for 30 s (blackholed link)', { timeout: 300_000 }, () => {
  it('agents buffer while it is dark, then drain in seq order: nothing lost, nothing stored twice', async () => {
    const root = cleanup.tempDir('ef-chaos-dark-')
    const fleet = await fleetDir(join(root, 'hub'), DEVICES)
    const ports = await freePorts(3)
    const hub = await startHubProcess({ dataDir: fleet.dataDir, ports })
    cleanup.defer(() => hub.stop('SIGKILL'))
    const tap = await startMqttTap({ port: ports[1]! })
    cleanup.defer(() => tap.close())

    const agents = DEVICES.map((id) => {
      // keepalive 5 s: the agent gives a silent connection up after ~1.5× that; the hub does the same
      const a = fleetAgent(fleet, id, { hubUrl: tap.url, stateDir: join(root, id), args: [...SOURCE, '--keepalive', '5', '--status-interval', '1', '--drain-timeout', '300'] })
      cleanup.defer(() => a.stop())
      return a
    })
    let counts: number[] = []
    await until('every device to have predictions stored', async () => {
      counts = await Promise.all(DEVICES.map((id) => storedCount(hub.httpUrl, fleet, id)))
      return counts.every((n) => n >= 20) ? counts : undefined
    }, () => counts)

    tap.blackhole(true)
    const darkFrom = Date.now()
    const publishedBefore = tap.publishes.length
    // both ends notice by keepalive alone: the agents drop the connection, the hub marks the devices offline (last will)
    for (const a of agents) await until('the agent to notice the link is dead', () => a.stderr.includes('lost the connection to the hub') || undefined, () => a.stderr.slice(-500))
    for (const id of DEVICES) await until(`the hub to see ${id} offline`, async () => ((await api<DeviceView>(hub.httpUrl, fleet, `/devices/${id}`)).online ? undefined : true))
    const storedInTheDark = await Promise.all(DEVICES.map((id) => storedCount(hub.httpUrl, fleet, id)))
    // the outage itself lasts its 30 s; nothing is asserted on time
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - darkFrom)))
    expect(tap.publishes.length, 'nothing passed the blackhole').toBe(publishedBefore)
    expect(await Promise.all(DEVICES.map((id) => storedCount(hub.httpUrl, fleet, id)))).toEqual(storedInTheDark)
    tap.blackhole(false)

    for (const [i, a] of agents.entries()) {
      const r = await a.exited
      expect(r.code, r.stderr.slice(-2000)).toBe(0)
      expect(uplinkSummary(r.stderr), DEVICES[i]).toMatchObject({ dropped: 0, left: 0 })
    }
    for (const id of DEVICES) {
      // they buffered: the first status after the outage reports a backlog none before it did
      const all = statuses(tap.publishes, id)
      const before = all.slice(0, statuses(tap.publishes.slice(0, publishedBefore), id).length)
      const after = all.slice(before.length)
      const depthBefore = Math.max(...before.map((s) => s.queue?.depth ?? 0))
      expect(after[0]?.queue?.depth ?? 0, `${id}: outbox depth on reconnecting`).toBeGreaterThan(Math.max(depthBefore, 100))

      const { seqs, repeats } = expectArrivedInOrder(arrivals(tap.publishes, id), id)
      expect(seqs, `${id}: every seq arrived, none skipped`).toEqual(Array.from({ length: seqs.length }, (_, k) => seqs[0]! + k))
      // repeats are messages whose PUBACK the blackhole swallowed: at most the agent's window in flight
      expect(repeats).toBeLessThanOrEqual(64)
      expectStoredExactlyOnce(storedRows(fleet.dataDir, id), rowIds(2), id)
    }
  })
})
