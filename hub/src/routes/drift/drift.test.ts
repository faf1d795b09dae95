import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DriftStateList, DriftWindowList } from '@edgefleet/protocol'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'
import { SqliteTelemetry } from '../../telemetry/sqlite-telemetry.ts'
import { demoReferences, demoSummary } from '../../test-support/drift-fixtures.ts'

let dataDir: string
let app: FastifyInstance
let token: string
/** an hour ago: recent enough for the default retention */
const T = Date.now() - 3_600_000

async function start(o: { telemetryStore?: SqliteTelemetry } = {}): Promise<void> {
  app = await build({
    config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}),
    references: demoReferences,
    ...(o.telemetryStore ? { stores: { telemetryStore: o.telemetryStore } } : {}),
  })
  // a restarted hub keeps its registry: a fresh token each start
  await app.registry.removeCredential('operator', 'ops')
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-drift-routes-'))
})

afterEach(async () => {
  await app?.close()
  await rm(dataDir, { recursive: true, force: true })
})

const call = (o: InjectOptions & { url: string }) => app.inject({ ...o, headers: { authorization: `Bearer ${token}`, ...o.headers } })
/** A device's drift message through ingest, as the broker hands it over. */
const send = (deviceId: string, seq: number, shift: number) =>
  app.ingest.handle(deviceId, 'drift', JSON.stringify(demoSummary({ deviceId, seq, start: T + seq * 60_000, shift })))
const history = async (query: string) => ((await call({ url: `/api/v1/drift/history?${query}` })).json() as DriftWindowList).windows

/** pi-1 drifts in windows 2–4 (raised after two), pi-2 stays clean; then one fleet evaluation. */
async function feed(): Promise<void> {
  for (const [seq, shift] of [[1, 0], [2, 2], [3, 2], [4, 2]] as const) expect(await send('pi-1', seq, shift)).toMatchObject({ outcome: 'stored' })
  for (const seq of [1, 2]) await send('pi-2', seq, 0)
  expect(await app.drift.evaluateFleet()).toBe(1)
}

describe('drift routes', () => {
  beforeEach(() => start())

  it('need an operator token', async () => {
    for (const url of ['/api/v1/drift', '/api/v1/drift/history?model=demo']) {
      expect((await app.inject({ url })).json()).toMatchObject({ statusCode: 401, code: 'HUB_UNAUTHORIZED' })
    }
  })

  it("show every scope's current state, filtered by model, device, fleet and raised", async () => {
    await feed()
    const { scopes } = (await call({ url: '/api/v1/drift' })).json() as DriftStateList
    expect(scopes.map((s) => [s.scope, s.deviceId, s.raised])).toEqual([['fleet', null, []], ['device', 'pi-1', ['data-drift']], ['device', 'pi-2', []]])
    expect(scopes[1]).toMatchObject({ model: { name: 'demo', version: '1.0.0' }, window: { count: 100 }, drifted: ['f0', 'f1', 'f2'], driftShare: 0.5 })
    expect(scopes[0]!.window!.count).toBe(600)
    const ids = async (query: string) => ((await call({ url: `/api/v1/drift?${query}` })).json() as DriftStateList).scopes.map((s) => s.deviceId)
    expect(await ids('raised=true')).toEqual(['pi-1'])
    expect(await ids('raised=false&fleet=false')).toEqual(['pi-2'])
    expect(await ids('deviceId=pi-2&model=demo&version=1.0.0')).toEqual(['pi-2'])
    expect(await ids('fleet=true')).toEqual([null])
    expect(await ids('model=other')).toEqual([])
  })

  it('serve stored windows newest first with per-feature statistics, by device, fleet, feature, time and limit', async () => {
    await feed()
    const pi1 = await history('model=demo&deviceId=pi-1')
    expect(pi1.map((w) => [w.seq, w.dataDrift])).toEqual([[4, true], [3, true], [2, true], [1, false]])
    expect(pi1[0]).toMatchObject({ scope: 'device', deviceId: 'pi-1', model: { name: 'demo', version: '1.0.0' }, count: 100, driftShare: 0.5 })
    expect(pi1[0]!.ts).toBe(T + 4 * 60_000 + 990)
    expect(pi1[0]!.features.map((f) => [f.name, f.drifted])).toEqual([['f0', true], ['f1', true], ['f2', true], ['f3', false], ['f4', false], ['f5', false]])
    for (const f of pi1[0]!.features.filter((x) => x.drifted)) expect(f.ks).toBeGreaterThan(f.thresholds.ks)
    expect(pi1[3]!.features.every((f) => f.ksPValue > 0.001)).toBe(true)

    const fleet = await history('model=demo&fleet=true')
    expect(fleet.map((w) => [w.scope, w.deviceId, w.seq, w.count])).toEqual([['fleet', null, null, 600]])
    expect((await history('model=demo&fleet=false')).length).toBe(6)
    expect((await history('model=demo')).length).toBe(7)
    expect((await history('model=demo&deviceId=pi-1&feature=f4')).map((w) => w.features.map((f) => f.name))).toEqual([['f4'], ['f4'], ['f4'], ['f4']])
    expect((await history('model=demo&deviceId=pi-1&limit=2')).map((w) => w.seq)).toEqual([4, 3])
    expect((await history(`model=demo&deviceId=pi-1&from=${T + 2 * 60_000}&to=${T + 4 * 60_000}`)).map((w) => w.seq)).toEqual([3, 2])
    expect(await history('model=demo&version=2.0.0')).toEqual([])
  })

  it('store a redelivered window once and judge it once', async () => {
    await feed()
    expect(await send('pi-1', 4, 2)).toEqual({ outcome: 'duplicate' })
    expect((await history('model=demo&deviceId=pi-1')).map((w) => w.seq)).toEqual([4, 3, 2, 1])
    const { scopes } = (await call({ url: '/api/v1/drift?deviceId=pi-1' })).json() as DriftStateList
    expect(scopes[0]!.raised).toEqual(['data-drift'])
  })

  it('refuse bad queries with HUB_USAGE', async () => {
    for (const url of ['/api/v1/drift/history', '/api/v1/drift/history?model=demo&deviceId=pi-1&fleet=true', '/api/v1/drift/history?model=demo&limit=0',
      '/api/v1/drift/history?model=demo&limit=1001', '/api/v1/drift/history?model=demo&from=5&to=4', '/api/v1/drift/history?model=Demo',
      '/api/v1/drift?deviceId=pi-1&fleet=true', '/api/v1/drift?raised=maybe', '/api/v1/drift?deviceId=_fleet']) {
      expect((await call({ url })).json(), url).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
    }
  })

  it('are documented in the OpenAPI document', async () => {
    const openapi = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> }
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/drift', '/api/v1/drift/history']))
  })
})

describe('drift statistics when the telemetry store fails', () => {
  it('are counted and logged while windows are still judged, acknowledged and alerted on', async () => {
    const telemetry = await SqliteTelemetry.open(join(dataDir, 'own-telemetry.db'))
    onTestFinished(() => telemetry.close())
    await start({ telemetryStore: telemetry })
    await telemetry.close()
    for (const seq of [1, 2]) expect(await send('pi-1', seq, 2)).toMatchObject({ outcome: 'stored' })
    const { alerts } = await app.registry.listAlerts({})
    expect(alerts.map((a) => [a.alert.kind, a.alert.state, a.alert.deviceId])).toEqual([['data-drift', 'raised', 'pi-1']])
    const metrics = (await app.inject({ url: '/metrics' })).body
    expect(metrics).toContain('edgefleet_drift_history_failures_total{outcome="failed"} 2')
    expect((await call({ url: '/api/v1/drift/history?model=demo' })).json()).toMatchObject({ statusCode: 503, code: 'HUB_TELEMETRY_UNAVAILABLE' })
  })
})

describe('drift across a hub restart', () => {
  it('a drift raised before the restart is not raised again after it, and is cleared when the data recovers', async () => {
    await start()
    await feed()
    const raised = await app.registry.listAlerts({ deviceId: 'pi-1', kind: 'data-drift' })
    expect(raised.alerts.map((r) => r.alert.state)).toEqual(['raised'])
    await app.close()

    await start()
    // still drifting: nothing new (no second raise)
    for (const seq of [5, 6]) await send('pi-1', seq, 2)
    expect((await app.registry.listAlerts({ deviceId: 'pi-1', kind: 'data-drift' })).alerts.map((r) => r.alert.state)).toEqual(['raised'])
    // recovered: cleared after two clean windows (the fixture's clearAfter)
    for (const seq of [7, 8]) await send('pi-1', seq, 0)
    expect((await app.registry.listAlerts({ deviceId: 'pi-1', kind: 'data-drift' })).alerts.map((r) => r.alert.state)).toEqual(['cleared', 'raised'])
    const { scopes } = (await call({ url: '/api/v1/drift?deviceId=pi-1' })).json() as DriftStateList
    expect(scopes[0]!.raised).toEqual([])
  })
})
