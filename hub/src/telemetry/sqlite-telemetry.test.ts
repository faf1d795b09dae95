import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { driftRecord, gasMessage } from './contract-stores.ts'
import { SqliteTelemetry } from './sqlite-telemetry.ts'

const DAY = 86_400_000
const HOUR = 3_600_000

describe('SqliteTelemetry', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-sqlite-telemetry-'))
  })
  afterEach(async () => {
    vi.useRealTimers()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps deleting expired predictions every hour once a retention is set', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    const store = await SqliteTelemetry.open(join(dir, 'nested', 'telemetry.db'))
    onTestFinished(() => store.close())
    await store.setRetention(2)
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 1, ts: Date.now(), n: 10 }))
    await vi.advanceTimersByTimeAsync(DAY)
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 2, ts: Date.now(), n: 10 }))
    await vi.advanceTimersByTimeAsync(DAY + HOUR)
    expect(await store.countPredictions()).toBe(10)
    await store.setRetention(0)
    await vi.advanceTimersByTimeAsync(10 * DAY)
    expect(await store.countPredictions()).toBe(10)
  })

  it('deletes a large backlog in chunks, leaving newer rows', async () => {
    const store = await SqliteTelemetry.open(join(dir, 'telemetry.db'))
    onTestFinished(() => store.close())
    const old = Date.now() - 30 * DAY
    for (let seq = 0; seq < 25; seq++) await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq, ts: old + seq * 1000, n: 1000, stepMs: 1 }))
    await store.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 99, ts: Date.now(), n: 7 }))
    await store.setRetention(7)
    expect(await store.countPredictions()).toBe(7)
  })

  it('stores regression outputs and shadow predictions', async () => {
    const store = await SqliteTelemetry.open(join(dir, 'telemetry.db'))
    onTestFinished(() => store.close())
    const [p] = gasMessage({ deviceId: 'gas-01', seq: 1, ts: Date.now(), n: 1 })
    await store.writePredictions([{ ...p!, label: undefined, value: [0.25, -3], shadow: true }])
    expect(await store.countPredictions({ model: 'gas-sensor' })).toBe(1)
  })

  it('upgrades a file of schema 1 (predictions only) to schema 2, keeping its predictions', async () => {
    const path = join(dir, 'telemetry.db')
    const v1 = await SqliteTelemetry.open(path)
    await v1.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 1, ts: Date.now(), n: 10 }))
    await v1.close()
    const raw = new Database(path)
    raw.exec('DROP TABLE drift_windows; DROP TABLE drift_features')
    raw.pragma('user_version = 1')
    raw.close()
    const store = await SqliteTelemetry.open(path)
    onTestFinished(() => store.close())
    expect(await store.countPredictions()).toBe(10)
    const window = driftRecord({ deviceId: 'gas-01', seq: 2, ts: Date.now() })
    await store.writeDriftWindows([window])
    expect(await store.queryDriftWindows({ model: 'gas-sensor' })).toEqual([window])
  })

  it('names the path when the file cannot be opened', async () => {
    await expect(SqliteTelemetry.open(join(dir, 'missing-parent\0', 'x.db'))).rejects.toMatchObject({ code: 'HUB_TELEMETRY_UNAVAILABLE' })
  })
})
