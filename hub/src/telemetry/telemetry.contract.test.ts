import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { INFLUXD_MISSING } from './test-influxd.ts'
import { gasMessage, influxHarness, spooledInfluxHarness, sqliteHarness, type StoreHarness } from './contract-stores.ts'
import { driftWindowContract } from './drift-telemetry.contract.ts'
import type { PredictionPoint, TelemetryStore } from './telemetry-store.ts'

const DAY = 86_400_000
const MINUTE = 60_000
/** a fixed past instant, so that expected buckets never depend on the clock */
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0)

const harnesses = [sqliteHarness(), influxHarness(), spooledInfluxHarness()]
const influx = harnesses.find((h) => h.name === 'influxdb')!

it('runs the InfluxDB half of the contract (required under CI)', (ctx) => {
  if (influx.available) return
  if (process.env.CI === 'true') throw new Error(INFLUXD_MISSING)
  ctx.skip(INFLUXD_MISSING)
})

describe.each(harnesses.filter((h) => h.available))('TelemetryStore contract: $name', (h: StoreHarness) => {
  let n = 0
  beforeAll(() => h.start())
  afterAll(() => h.stop())

  /** A fresh store for this test, closed when the test ends. */
  async function fresh(): Promise<TelemetryStore> {
    const store = await h.open(`s${++n}`)
    onTestFinished(() => store.close())
    return store
  }

  it('counts what was written, by device', async () => {
    const store = await fresh()
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 1, ts: T0, n: 100 }))
    await store.writePredictions(gasMessage({ deviceId: 'gas-02', seq: 1, ts: T0, n: 40 }))
    expect(await store.countPredictions()).toBe(140)
    expect(await store.countPredictions({ deviceId: 'gas-01' })).toBe(100)
    expect(await store.countPredictions({ deviceId: 'gas-03' })).toBe(0)
  })

  it('stores a resent message and overlapping batches once', async () => {
    const store = await fresh()
    const message = gasMessage({ deviceId: 'gas-01', seq: 5, ts: T0, n: 300 })
    await store.writePredictions(message)
    await store.writePredictions(message) // QoS 1 redelivery
    await store.writePredictions([...message.slice(200), ...gasMessage({ deviceId: 'gas-01', seq: 6, ts: T0 + 5000, n: 50 })])
    expect(await store.countPredictions({ deviceId: 'gas-01' })).toBe(350)
  })

  it('keeps distinct predictions whose readings share a timestamp', async () => {
    const store = await fresh()
    // a CSV chunk parsed in one go stamps every reading with the same millisecond
    for (const seq of [41, 42, 43]) await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq, ts: T0, n: 1000, stepMs: 0 }))
    await store.writePredictions(gasMessage({ deviceId: 'gas-02', seq: 41, ts: T0, n: 1000, stepMs: 0 }))
    // another model version's message, read in the same millisecond
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 44, ts: T0, n: 1, version: '1.1.0' }))
    expect(await store.countPredictions({ deviceId: 'gas-01' })).toBe(3001)
    expect(await store.countPredictions()).toBe(4001)
  })

  it('filters by time range ([from, to)), device and model', async () => {
    const store = await fresh()
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 1, ts: T0, n: 100, stepMs: 1000 }))
    await store.writePredictions([{ ...gasMessage({ deviceId: 'gas-01', seq: 2, ts: T0, n: 1 })[0]!, model: 'gas-sensor-b' }])
    expect(await store.countPredictions({ from: T0 + 10_000, to: T0 + 20_000 })).toBe(10)
    expect(await store.countPredictions({ from: T0 + 99_000 })).toBe(1)
    expect(await store.countPredictions({ to: T0 + 1 })).toBe(2)
    expect(await store.countPredictions({ deviceId: 'gas-01', model: 'gas-sensor' })).toBe(100)
    expect(await store.countPredictions({ model: 'gas-sensor-b', from: T0, to: T0 + 1 })).toBe(1)
    expect(await store.countPredictions({ deviceId: 'gas-02', from: T0 })).toBe(0)
  })

  it('aggregates one device into buckets from `from`: counts, means and labels', async () => {
    const store = await fresh()
    const from = T0 + 250
    const at = (ts: number, label: string, confidence: number, latencyMs: number, index: number): PredictionPoint => ({
      deviceId: 'gas-01', seq: 9, index, ts, model: 'gas-sensor', version: '1.0.0', readingId: `r${index}`, label, confidence, latencyMs,
    })
    await store.writePredictions([
      at(from, 'Ethanol', 0.9, 0.02, 0),
      at(from + 10_000, 'Ethanol', 0.8, 0.04, 1),
      at(from + 30_000, 'Acetone', 0.6, 0.02, 2),
      at(from + MINUTE - 1, 'Toluene', 0.7, 0.04, 3),
      at(from + 2 * MINUTE, 'Ethylene', 0.5, 0.1, 4),
      at(from + 3 * MINUTE - 1, 'Ethylene', 1, 0.3, 5),
      at(from - 1, 'Ammonia', 0.9, 0.01, 6), // before the range
      at(from + 3 * MINUTE, 'Ammonia', 0.9, 0.01, 7), // at `to`: excluded
    ])
    await store.writePredictions(gasMessage({ deviceId: 'gas-02', seq: 1, ts: from, n: 50 }))
    await store.writePredictions([{ ...at(from + 2 * MINUTE + 5, 'x', 0, 0.2, 0), seq: 10, label: undefined, confidence: undefined, value: [1.5] }])

    const buckets = await store.aggregatePredictions({ deviceId: 'gas-01', from, to: from + 3 * MINUTE, everyMs: MINUTE })
    expect(buckets.map((b) => ({ t: b.t, count: b.count, labels: b.labels }))).toEqual([
      { t: from, count: 4, labels: { Ethanol: 2, Acetone: 1, Toluene: 1 } },
      { t: from + 2 * MINUTE, count: 3, labels: { Ethylene: 2 } },
    ])
    expect(buckets[0]!.meanConfidence).toBeCloseTo(0.75, 9)
    expect(buckets[0]!.meanLatencyMs).toBeCloseTo(0.03, 9)
    expect(buckets[1]!.meanConfidence).toBeCloseTo(0.75, 9) // the regression point has no confidence
    expect(buckets[1]!.meanLatencyMs).toBeCloseTo(0.2, 9)
    expect(await store.aggregatePredictions({ deviceId: 'gas-03', from, to: from + MINUTE, everyMs: MINUTE })).toEqual([])
  })

  it('deletes predictions older than the retention, and keeps everything at 0', async () => {
    const store = await fresh()
    const now = Date.now()
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 1, ts: now - 30 * DAY, n: 20 }))
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 2, ts: now - 8 * DAY, n: 20 }))
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 3, ts: now - DAY, n: 20 }))
    await store.setRetention(7)
    expect(await store.countPredictions()).toBe(20)
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 4, ts: now - 10 * DAY, n: 5 })) // already expired
    expect(await store.countPredictions()).toBe(20)
    await store.setRetention(0)
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 5, ts: now - 400 * DAY, n: 5 }))
    expect(await store.countPredictions()).toBe(25)
  })

  it('takes concurrent writes, duplicates among them', async () => {
    const store = await fresh()
    const messages = Array.from({ length: 24 }, (_, i) => gasMessage({ deviceId: `gas-0${i % 4}`, seq: i, ts: T0 + i * 100, n: 250 }))
    await Promise.all([...messages, ...messages.slice(0, 6)].map((m) => store.writePredictions(m)))
    expect(await store.countPredictions()).toBe(24 * 250)
    expect(await store.countPredictions({ deviceId: 'gas-01' })).toBe(6 * 250)
  })

  it('refuses an invalid point and stores nothing of its call', async () => {
    const store = await fresh()
    const points = gasMessage({ deviceId: 'gas-01', seq: 1, ts: T0, n: 10 })
    await expect(store.writePredictions([...points, { ...points[0]!, index: 1000 }])).rejects.toMatchObject({ code: 'HUB_TELEMETRY_POINT_INVALID' })
    await expect(store.writePredictions([{ ...points[0]!, ts: Number.NaN }])).rejects.toMatchObject({ code: 'HUB_TELEMETRY_POINT_INVALID' })
    expect(await store.countPredictions()).toBe(0)
  })

  it('finishes pending writes on close, then refuses calls; data survives a reopen', async () => {
    const store = await h.open('closing')
    const writes = [1, 2, 3].map((seq) => store.writePredictions(gasMessage({ deviceId: 'gas-01', seq, ts: T0, n: 200 })))
    await store.close()
    await Promise.all(writes)
    await store.close() // twice is fine
    await expect(store.countPredictions()).rejects.toMatchObject({ code: 'HUB_TELEMETRY_UNAVAILABLE' })
    await expect(store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 9, ts: T0, n: 1 }))).rejects.toMatchObject({ code: 'HUB_TELEMETRY_UNAVAILABLE' })
    const again = await h.open('closing')
    onTestFinished(() => again.close())
    expect(await again.countPredictions()).toBe(600)
  })
  driftWindowContract(h, fresh)
})
