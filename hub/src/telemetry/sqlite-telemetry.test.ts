import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { gasMessage } from './contract-stores.ts'
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

  it('names the path when the file cannot be opened', async () => {
    await expect(SqliteTelemetry.open(join(dir, 'missing-parent\0', 'x.db'))).rejects.toMatchObject({ code: 'HUB_TELEMETRY_UNAVAILABLE' })
  })
})
