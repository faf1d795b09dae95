import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePorts, startHubProcess, type HubProcess } from '../helpers/hub-process.ts'
import { perTestCleanup } from '../helpers/per-test-cleanup.ts'
import { batch, expectStoredExactlyOnce, fleetAgent, fleetDir, rowIds, storedCount, storedRows, until, uplinkSummary } from './delivery-fleet.ts'

/**
 * Chaos on the delivery path: the hub process is SIGKILLed while agents stream predictions to it, and
 * restarted on the same data directory and ports. The agents (real processes replaying the gas-sensor
 * data) lose their connection, keep predicting into their on-disk outboxes, reconnect and drain. Every
 * reading they made must be in the hub's telemetry store exactly once.
 */
const DEVICES = ['pi-kill-a', 'pi-kill-b']
/** 1 244 readings at 50 a second: ~25 s of streaming, the crash lands in the middle */
const SOURCE = ['--csv', batch(2), '--rate', '50']
const cleanup = perTestCleanup()

describe('hub SIGKILL mid-stream', { timeout: 300_000 }, () => {
  it('loses and duplicates nothing: agents reconnect to the restarted hub and drain, each reading stored once', async () => {
    const root = cleanup.tempDir('ef-chaos-hub-kill-')
    const fleet = await fleetDir(join(root, 'hub'), DEVICES)
    const ports = await freePorts(3)
    let hub: HubProcess = await startHubProcess({ dataDir: fleet.dataDir, ports })
    cleanup.defer(() => hub.stop('SIGKILL'))

    const agents = DEVICES.map((id) => {
      const a = fleetAgent(fleet, id, { hubUrl: hub.mqttUrl, stateDir: join(root, id), args: [...SOURCE, '--drain-timeout', '300'] })
      cleanup.defer(() => a.stop())
      return a
    })
    // mid-stream: every device has predictions stored, and far from all of them
    let counts: number[] = []
    await until('every device to have predictions stored', async () => {
      counts = await Promise.all(DEVICES.map((id) => storedCount(hub.httpUrl, fleet, id)))
      return counts.every((n) => n >= 50) ? counts : undefined
    }, () => counts)

    hub.child.kill('SIGKILL')
    await hub.stop()
    expect(hub.child.signalCode).toBe('SIGKILL')
    const atKill = DEVICES.map((id) => storedRows(fleet.dataDir, id).length)
    for (const n of atKill) expect(n).toBeLessThan(rowIds(2).length)
    // a real crash: the agents saw their connection go, and buffer from here on
    for (const a of agents) await until('the agent to notice the hub is gone', () => a.stderr.includes('lost the connection to the hub') || undefined, () => a.stderr.slice(-500))

    hub = await startHubProcess({ dataDir: fleet.dataDir, ports })
    for (const [i, a] of agents.entries()) {
      const r = await a.exited
      expect(r.code, r.stderr.slice(-2000)).toBe(0)
      expect(uplinkSummary(r.stderr), DEVICES[i]).toMatchObject({ dropped: 0, left: 0 })
    }
    for (const [i, id] of DEVICES.entries()) {
      // the restarted hub stored what the agents made after the crash
      expect(await storedCount(hub.httpUrl, fleet, id)).toBeGreaterThan(atKill[i]!)
      expect(await storedCount(hub.httpUrl, fleet, id)).toBe(rowIds(2).length)
      expectStoredExactlyOnce(storedRows(fleet.dataDir, id), rowIds(2), id)
    }
  })
})
