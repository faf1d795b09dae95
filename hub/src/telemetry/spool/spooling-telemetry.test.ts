import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { gasMessage } from '../contract-stores.ts'
import { InfluxTelemetry } from '../influx-telemetry.ts'
import { INFLUXD_MISSING, influxdAvailable, startInfluxd, type TestInfluxd } from '../test-influxd.ts'
import { SpoolingTelemetry } from './spooling-telemetry.ts'

const T0 = Date.now() - 60_000
const DEVICE = 'gas-01'
/** one device message: `n` predictions under (DEVICE, seq) */
const message = (seq: number, n = 4) => gasMessage({ deviceId: DEVICE, seq, ts: T0 + seq * 100, n })

it('runs against a private influxd (required under CI)', (ctx) => {
  if (influxdAvailable()) return
  if (process.env.CI === 'true') throw new Error(INFLUXD_MISSING)
  ctx.skip(INFLUXD_MISSING)
})

describe.runIf(influxdAvailable())('SpoolingTelemetry in front of a real influxd that goes away', () => {
  let server: TestInfluxd
  let control: NonNullable<TestInfluxd['control']>
  beforeAll(async () => {
    server = (await startInfluxd())!
    if (!server.control) throw new Error('these tests stop and restart influxd: unset EDGEFLEET_TEST_INFLUX_URL so that a private one is started')
    control = server.control
  })
  afterAll(() => server?.stop())

  let dbCount = 0
  async function open(o: { dir?: string; db?: string; maxPoints?: number; requestTimeoutMs?: number } = {}): Promise<{ store: SpoolingTelemetry; dir: string; db: string }> {
    const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'ef-spool-'))
    if (!o.dir) onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const db = o.db ?? `spool_${process.pid}_${++dbCount}`
    const inner = await InfluxTelemetry.open(`${server.url}/${db}`, { requestTimeoutMs: o.requestTimeoutMs ?? 2000 })
    const store = await SpoolingTelemetry.open(inner, { path: join(dir, 'telemetry-spool.db'), maxPoints: o.maxPoints, retryMs: 50, maxRetryMs: 200 })
    onTestFinished(() => store.close())
    return { store, dir, db }
  }

  /** predictions InfluxDB holds for DEVICE, read with a fresh client (not through the spool) */
  async function countInInflux(db: string): Promise<number> {
    const reader = await InfluxTelemetry.open(`${server.url}/${db}`)
    try {
      return await reader.countPredictions({ deviceId: DEVICE })
    } finally {
      await reader.close()
    }
  }

  it('acknowledges writes while influxd is down, then replays each point exactly once', async () => {
    const { store } = await open()
    await store.writePredictions(message(1))
    await control.kill()
    for (let seq = 2; seq <= 30; seq++) await store.writePredictions(message(seq))
    // a resend of an already-spooled message (QoS 1 redelivery) is spooled again, and stored once
    await store.writePredictions(message(5))
    expect(store.stats).toMatchObject({ spooled: 30 * 4, depth: 30 * 4 })
    await control.restart()
    await store.drained()
    expect(store.stats).toMatchObject({ replayed: 30 * 4, depth: 0 })
    expect(await store.countPredictions({ deviceId: DEVICE })).toBe(30 * 4)
    // back to writing directly
    await store.writePredictions(message(31))
    expect(store.stats.spooled).toBe(30 * 4)
    expect(await store.countPredictions({ deviceId: DEVICE })).toBe(31 * 4)
  })

  it('spools a write that hangs (influxd stopped, not dead) once its request times out', async () => {
    const { store } = await open({ requestTimeoutMs: 300 })
    control.pause()
    onTestFinished(() => control.resume())
    await store.writePredictions(message(1))
    await store.writePredictions(message(2))
    expect(store.stats.depth).toBe(8)
    control.resume()
    await store.drained()
    expect(await store.countPredictions({ deviceId: DEVICE })).toBe(8)
  })

  it('keeps the spool across a hub restart and replays it on open', async () => {
    const first = await open()
    await control.kill()
    for (let seq = 1; seq <= 10; seq++) await first.store.writePredictions(message(seq))
    await first.store.close()
    await control.restart()
    const again = await open({ dir: first.dir, db: first.db })
    await again.store.drained()
    expect(again.store.stats.replayed).toBe(40)
    expect(await countInInflux(first.db)).toBe(40)
  })

  it('when full, refuses with HUB_TELEMETRY_UNAVAILABLE (the device keeps the message) and loses nothing spooled', async () => {
    const { store, db } = await open({ maxPoints: 10 })
    await control.kill()
    await store.writePredictions(message(1))
    await store.writePredictions(message(2))
    await expect(store.writePredictions(message(3))).rejects.toMatchObject({ code: 'HUB_TELEMETRY_UNAVAILABLE', message: expect.stringMatching(/spool is full.*telemetrySpoolMaxPoints/) })
    expect(store.stats).toMatchObject({ spooled: 8, refused: 4, depth: 8 })
    await control.restart()
    await store.drained()
    await store.writePredictions(message(3))
    expect(await countInInflux(db)).toBe(12)
  })

  it('never spools what the store refuses for another reason than being unreachable', async () => {
    const { store } = await open()
    const [bad] = message(1, 1)
    await expect(store.writePredictions([{ ...bad!, confidence: Number.NaN }])).rejects.toMatchObject({ code: 'HUB_TELEMETRY_POINT_INVALID' })
    expect(store.stats.spooled).toBe(0)
  })
})
