import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alertFilters, validators, type Alert, type AlertList } from '@edgefleet/protocol'
import { dataPaths, resolveDataDir } from '@edgefleet/models'
import { afterEach, describe, expect, it } from 'vitest'
import { edgefleetJson, runAgent } from './helpers/agent-process.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'
import { MOSQUITTO_SUB_MISSING, mosquittoSubBinary } from './helpers/mosquitto.ts'
import { startMosquittoSub } from './helpers/mosquitto-sub.ts'

/**
 * The headline path, all real processes: a hub, an agent replaying aged sensor data through the
 * gas-sensor model, and `mosquitto_sub` with subscriber credentials on `ef/v1/alerts/drift/#`.
 */
const binary = mosquittoSubBinary()
const gasDir = dataPaths(resolveDataDir()).gasSensor
const cleanup: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const edgefleet = edgefleetJson

it('runs against mosquitto_sub (required under CI)', (ctx) => {
  if (binary) return
  if (process.env.CI === 'true') throw new Error(MOSQUITTO_SUB_MISSING)
  ctx.skip(MOSQUITTO_SUB_MISSING)
})

describe.runIf(binary)('drift alerts end to end', () => {
  it('an agent replaying aged sensor data makes mosquitto_sub receive a data-drift alert naming the drifted features', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ef-drift-e2e-'))
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const device = await edgefleet<{ id: string; secret: string }>(['device', 'add', 'pi-aged', '--data-dir', dataDir])
    const subscriber = await edgefleet<{ name: string; secret: string }>(['subscriber', 'add', 'alerts', '--data-dir', dataDir])
    const { token } = await edgefleet<{ token: string }>(['token', 'add', 'ops', '--data-dir', dataDir])
    // fleet windows judged every second, so the fleet-level alert comes within the test
    const hub: HubProcess = await startHubProcess({ dataDir, ports: await freePorts(3), extraArgs: ['--drift-fleet-seconds', '1'] })
    cleanup.push(() => hub.stop('SIGKILL'))
    const port = new URL(hub.mqttUrl).port

    const sub = startMosquittoSub(binary!, [
      '-h', '127.0.0.1', '-p', port, '-u', subscriber.name, '-P', subscriber.secret, '-i', 'drift-e2e',
      '-t', alertFilters.drift(), '-q', '1', '-C', '1', '-v', '-d', '-W', '120',
    ])
    cleanup.push(() => sub.stop())
    await sub.waitFor(/Subscribed/)
    const fleetSub = startMosquittoSub(binary!, [
      '-h', '127.0.0.1', '-p', port, '-u', subscriber.name, '-P', subscriber.secret, '-i', 'drift-e2e-fleet',
      '-t', alertFilters.fleet('gas-sensor'), '-q', '1', '-C', '1', '-v', '-W', '120',
    ])
    cleanup.push(() => fleetSub.stop())

    // batch 8 was recorded 36 months after the training data: most features have moved
    const run = await runAgent(
      ['run', '--model', 'gas-sensor', '--hub', hub.mqttUrl, '--device-id', device.id, '--state-dir', join(dataDir, 'agent'),
        '--columns', 'gas,concentration,*', '--label-column', 'gas', '--format', 'none', '--drift-window-samples', '50', '--drain-timeout', '60',
        // ~5 s of readings: the fleet, judged every second, sees several windows (its hysteresis needs 3)
        '--rate', '60',
        '--csv', join(gasDir, 'batch8.csv')],
      { env: { EDGEFLEET_DEVICE_SECRET: device.secret } },
    )
    expect(run.code, run.stderr).toBe(0)

    const { stdout } = await sub.exited
    const line = stdout.split('\n').find((l) => l.startsWith('ef/v1/alerts/'))
    expect(line, stdout).toBeDefined()
    const space = line!.indexOf(' ')
    const topic = line!.slice(0, space)
    const alert = JSON.parse(line!.slice(space + 1)) as Alert
    expect(topic).toBe('ef/v1/alerts/drift/gas-sensor/pi-aged/data-drift')
    expect(validators.alert.check(alert)).toBe(true)
    expect(alert).toMatchObject({ kind: 'data-drift', state: 'raised', scope: 'device', deviceId: 'pi-aged', model: { name: 'gas-sensor', version: '1.0.0' } })
    const drifted = alert.signals.filter((s) => s.metric === 'ks')
    expect(drifted.length).toBeGreaterThanOrEqual(13)
    for (const s of drifted) {
      expect(s.feature).toMatch(/^s\d\d_/)
      expect(s.value).toBeGreaterThan(s.threshold)
      expect(s.pValue).toBeLessThan(0.005)
    }

    // the fleet window (every device's windows merged) drifts too: one fleet-scope alert, no device id
    const fleetOut = (await fleetSub.exited).stdout
    const fleetLine = fleetOut.split('\n').find((l) => l.startsWith('ef/v1/alerts/'))
    expect(fleetLine, fleetOut).toBeDefined()
    const fleetAlert = JSON.parse(fleetLine!.slice(fleetLine!.indexOf(' ') + 1)) as Alert
    expect(fleetLine!.slice(0, fleetLine!.indexOf(' '))).toBe(`ef/v1/alerts/drift/gas-sensor/_fleet/${fleetAlert.kind}`)
    expect(fleetAlert).toMatchObject({ state: 'raised', scope: 'fleet', model: { name: 'gas-sensor', version: '1.0.0' } })
    expect(fleetAlert.deviceId).toBeUndefined()

    // stored too: the REST list shows the same alert
    const res = await fetch(`${hub.httpUrl}/api/v1/alerts?state=raised`, { headers: { authorization: `Bearer ${token}` } })
    const list = (await res.json()) as AlertList
    expect(list.alerts.map((v) => v.alert.id)).toContain(alert.id)
  })
})
