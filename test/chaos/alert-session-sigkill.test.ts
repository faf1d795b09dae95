import { join } from 'node:path'
import mqtt from 'mqtt'
import { hubPaths, SqliteRegistry } from '@edgefleet/hub'
import { alertFilters, decodeJson, validators, type Alert, type AlertList } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { freePorts, startHubProcess, type HubProcess } from '../helpers/hub-process.ts'
import { perTestCleanup } from '../helpers/per-test-cleanup.ts'
import { api, batch, fleetAgent, fleetDir, until } from './delivery-fleet.ts'

/**
 * Chaos on the alert path: an alert subscriber with a persistent session (clean session 0, QoS 1) is
 * away when the hub raises a drift alert, and the hub process is SIGKILLed before the subscriber comes
 * back. The session and the alert queued for it live in the broker's persistence (LevelDB in the data
 * directory, `brokerPersistence: disk`), so the restarted hub still delivers it; in memory both would vanish.
 */
const DEVICE = 'pi-aged'
const cleanup = perTestCleanup()

describe('hub SIGKILL while a persistent alert subscriber is away', { timeout: 300_000 }, () => {
  it('the subscriber gets the alert raised while it was away, without subscribing again', async () => {
    const root = cleanup.tempDir('ef-chaos-alert-session-')
    const fleet = await fleetDir(join(root, 'hub'), [DEVICE])
    const registry = await SqliteRegistry.open(hubPaths(fleet.dataDir).registry)
    const pager = await registry.addCredential('subscriber', 'pager').finally(() => registry.close())
    const ports = await freePorts(3)
    let hub: HubProcess = await startHubProcess({ dataDir: fleet.dataDir, ports })
    cleanup.defer(() => hub.stop('SIGKILL'))
    const login = { clientId: 'pager-1', username: pager.name, password: pager.secret, clean: false, reconnectPeriod: 0 }

    // the pager subscribes with a persistent session, then goes away
    const first = await mqtt.connectAsync(hub.mqttUrl, login)
    await first.subscribeAsync(alertFilters.drift(), { qos: 1 })
    await first.endAsync()

    // batch 8 was recorded 36 months after the training data: the device's windows drift
    const agent = fleetAgent(fleet, DEVICE, { hubUrl: hub.mqttUrl, stateDir: join(root, DEVICE), args: ['--csv', batch(8), '--rate', '60', '--drift-window-samples', '50', '--drain-timeout', '60'] })
    cleanup.defer(() => agent.stop())
    expect((await agent.exited).code).toBe(0)
    const raised = await until('the hub to raise a device drift alert', async () =>
      (await api<AlertList>(hub.httpUrl, fleet, '/alerts?state=raised')).alerts.map((v) => v.alert).find((a) => a.deviceId === DEVICE))

    hub.child.kill('SIGKILL')
    await hub.stop()
    expect(hub.child.signalCode).toBe('SIGKILL')
    hub = await startHubProcess({ dataDir: fleet.dataDir, ports })

    // back with the same client id and no SUBSCRIBE: only the session the broker kept can deliver
    const received: Alert[] = []
    const back = mqtt.connect(hub.mqttUrl, login)
    cleanup.defer(() => back.endAsync())
    back.on('message', (_topic, payload) => received.push(validators.alert.parse(decodeJson(payload))))
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      back.once('connect', resolve)
      back.once('error', reject)
    })
    expect(connack.sessionPresent, 'the broker kept the session across the crash').toBe(true)
    await until('the alert to reach the subscriber', () => received.find((a) => a.id === raised.id), () => received.map((a) => a.id))
  })
})
