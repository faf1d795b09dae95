import { join } from 'node:path'
import { hubPaths, SqliteRegistry } from '@edgefleet/hub'
import { startInfluxd, INFLUXD_MISSING, type TestInfluxd } from '@edgefleet/hub/testing'
import { alertTopic } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { freePorts, startHubProcess } from '../helpers/hub-process.ts'
import { MOSQUITTO_SUB_MISSING, mosquittoSubBinary } from '../helpers/mosquitto.ts'
import { startMosquittoSub } from '../helpers/mosquitto-sub.ts'
import { perTestCleanup } from '../helpers/per-test-cleanup.ts'
import { batch, expectStoredExactlyOnce, fleetAgent, fleetDir, rowIds, until, uplinkSummary } from './delivery-fleet.ts'

/**
 * Chaos on the telemetry path: the hub writes to a real InfluxDB (a private influxd), which is
 * SIGKILLed while an agent streams, and started again on the same data much later. Meanwhile the
 * hub acknowledges every message (spooling predictions to `<data-dir>/telemetry-spool.db`), a second
 * agent replaying drifted data makes the hub raise a drift alert that a real `mosquitto_sub` receives,
 * and both agents finish with empty outboxes. Once InfluxDB is back the spool is replayed: every
 * reading of both devices is in InfluxDB exactly once.
 */
const STREAMING = 'pi-influx-a'
const DRIFTING = 'pi-influx-b'
const DB = 'chaos'
const binary = mosquittoSubBinary()
const cleanup = perTestCleanup()

/** `device`'s predictions in InfluxDB as (seq, idx, readingId), in seq order, read over its HTTP API. */
async function influxRows(influx: TestInfluxd, device: string): Promise<{ seq: number; idx: number; readingId: string }[]> {
  const q = `SELECT "seq", "idx", "readingId" FROM "predictions" WHERE "device" = '${device}'`
  const res = await fetch(`${influx.url}/query?db=${DB}&q=${encodeURIComponent(q)}`)
  const body = (await res.json()) as { results: { series?: { values: [string, number, number, string][] }[] }[] }
  const values = body.results[0]?.series?.[0]?.values ?? []
  return values.map(([, seq, idx, readingId]) => ({ seq, idx, readingId })).sort((a, b) => a.seq - b.seq || a.idx - b.idx)
}

/** One metric's value on the hub's /metrics, or undefined when it is not exposed. */
async function metric(httpUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}

it('runs against mosquitto_sub and a private influxd (required under CI)', async (ctx) => {
  const influx = await startInfluxd()
  await influx?.stop()
  const missing = [binary ? '' : MOSQUITTO_SUB_MISSING, influx?.control ? '' : INFLUXD_MISSING].filter((m) => m !== '')
  if (missing.length === 0) return
  if (process.env.CI === 'true') throw new Error(missing.join('\n'))
  ctx.skip(missing.join('\n'))
})

describe.runIf(binary)('InfluxDB down mid-stream', { timeout: 300_000 }, () => {
  it('the hub keeps acknowledging and alerting, spools, and stores every reading exactly once when InfluxDB is back', async () => {
    const influx = await startInfluxd()
    if (!influx?.control) throw new Error(`this test stops and restarts a private influxd: ${INFLUXD_MISSING} (and leave EDGEFLEET_TEST_INFLUX_URL unset)`)
    cleanup.defer(() => influx.stop())
    const root = cleanup.tempDir('ef-chaos-influx-')
    const fleet = await fleetDir(join(root, 'hub'), [STREAMING, DRIFTING])
    const registry = await SqliteRegistry.open(hubPaths(fleet.dataDir).registry)
    const reader = await registry.addCredential('subscriber', 'alert-reader').finally(() => registry.close())
    const hub = await startHubProcess({ dataDir: fleet.dataDir, ports: await freePorts(3), extraArgs: ['--telemetry', `${influx.url}/${DB}`] })
    cleanup.defer(() => hub.stop('SIGKILL'))

    // 2 300 readings at 100 a second: InfluxDB goes away in the middle of the stream
    const streaming = fleetAgent(fleet, STREAMING, { hubUrl: hub.mqttUrl, stateDir: join(root, STREAMING), args: ['--csv', batch(6), '--rate', '100', '--drain-timeout', '120'] })
    cleanup.defer(() => streaming.stop())
    await until('the first predictions in InfluxDB', async () => ((await influxRows(influx, STREAMING)).length >= 50 ? true : undefined))
    await influx.control.kill()
    const atKill = (await influxRows(influx, STREAMING).catch(() => [])).length
    expect(atKill).toBe(0) // unreachable now
    await until('the hub to spool', async () => ((await metric(hub.httpUrl, 'edgefleet_telemetry_spool_depth')) ?? 0) > 0 || undefined)

    // while InfluxDB is down, a device on drifted data (batch 8: 36 months after training) raises an alert
    const sub = startMosquittoSub(binary!, [
      '-h', '127.0.0.1', '-p', new URL(hub.mqttUrl).port, '-u', reader.name, '-P', reader.secret, '-i', 'chaos-alerts',
      '-t', alertTopic({ kind: 'data-drift', model: 'gas-sensor', deviceId: DRIFTING }), '-q', '1', '-C', '1', '-v', '-W', '180',
    ])
    cleanup.defer(() => sub.stop())
    const drifting = fleetAgent(fleet, DRIFTING, {
      hubUrl: hub.mqttUrl, stateDir: join(root, DRIFTING), args: ['--csv', batch(8), '--rate', '100', '--drift-window-samples', '50', '--drain-timeout', '120'],
    })
    cleanup.defer(() => drifting.stop())
    const alert = JSON.parse((await sub.waitFor(/\n/)).split('\n')[0]!.split(' ').slice(1).join(' ')) as { state: string; deviceId: string }
    expect(alert).toMatchObject({ state: 'raised', deviceId: DRIFTING })

    // both agents finish with nothing left in their outboxes: the hub acknowledged every message
    for (const [id, agent] of [[STREAMING, streaming], [DRIFTING, drifting]] as const) {
      const r = await agent.exited
      expect(r.code, r.stderr.slice(-2000)).toBe(0)
      expect(uplinkSummary(r.stderr), id).toMatchObject({ dropped: 0, left: 0 })
    }
    const spooled = await metric(hub.httpUrl, 'edgefleet_telemetry_spooled_total')
    expect(spooled).toBeGreaterThan(0)

    // InfluxDB back (same data): the spool drains, and every reading is there once, in seq order
    await influx.control.restart()
    await until('the spool to drain', async () => ((await metric(hub.httpUrl, 'edgefleet_telemetry_spool_depth')) === 0 ? true : undefined), undefined, 180_000)
    expect(await metric(hub.httpUrl, 'edgefleet_telemetry_replayed_total')).toBe(spooled)
    expectStoredExactlyOnce(await influxRows(influx, STREAMING), rowIds(6), STREAMING)
    expectStoredExactlyOnce(await influxRows(influx, DRIFTING), rowIds(8), DRIFTING)
  })
})
