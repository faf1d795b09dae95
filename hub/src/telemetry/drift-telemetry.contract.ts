import { expect, it, onTestFinished } from 'vitest'
import { driftRecord, type StoreHarness } from './contract-stores.ts'
import type { DriftWindowRecord } from './drift-records.ts'
import type { TelemetryStore } from './telemetry-store.ts'

const DAY = 86_400_000
const MINUTE = 60_000
/** a fixed past instant, so that expected results never depend on the clock */
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0)

/** Which windows a query returned, as `device/seq@minute` (`_fleet@minute` for the fleet). */
const keys = (rs: readonly DriftWindowRecord[]): string[] => rs.map((r) => `${r.deviceId === null ? '_fleet' : `${r.deviceId}/${r.seq}`}@${(r.ts - T0) / MINUTE}`)

/**
 * The drift-window half of the telemetry contract; called inside the contract suite's
 * `describe.each`, so both stores pass it against the same server the rest of the suite uses.
 */
export function driftWindowContract(h: StoreHarness, fresh: () => Promise<TelemetryStore>): void {
  it('stores judged windows with every feature and reads them back newest first, per scope', async () => {
    const store = await fresh()
    const written = [
      driftRecord({ deviceId: 'gas-01', seq: 10, ts: T0, drifted: [1] }),
      driftRecord({ deviceId: 'gas-02', seq: 3, ts: T0 + MINUTE }),
      driftRecord({ deviceId: null, ts: T0 + 2 * MINUTE, drifted: [0, 3] }),
      driftRecord({ deviceId: 'gas-01', seq: 11, ts: T0 + 3 * MINUTE, version: '1.1.0' }),
    ]
    await store.writeDriftWindows(written)
    const all = await store.queryDriftWindows({ model: 'gas-sensor' })
    expect(all).toEqual([...written].reverse())
    expect(keys(await store.queryDriftWindows({ model: 'gas-sensor', deviceId: 'gas-01' }))).toEqual(['gas-01/11@3', 'gas-01/10@0'])
    expect(keys(await store.queryDriftWindows({ model: 'gas-sensor', fleet: true }))).toEqual(['_fleet@2'])
    expect(keys(await store.queryDriftWindows({ model: 'gas-sensor', fleet: false }))).toEqual(['gas-01/11@3', 'gas-02/3@1', 'gas-01/10@0'])
    expect(keys(await store.queryDriftWindows({ model: 'gas-sensor', version: '1.0.0' }))).toEqual(['_fleet@2', 'gas-02/3@1', 'gas-01/10@0'])
    expect(await store.queryDriftWindows({ model: 'gas-sensor-b' })).toEqual([])
  })

  it('reads one feature of each window', async () => {
    const store = await fresh()
    await store.writeDriftWindows([driftRecord({ deviceId: 'gas-01', seq: 1, ts: T0, features: 128, drifted: [2] }), driftRecord({ deviceId: null, ts: T0 + MINUTE, features: 128 })])
    const [fleet, device] = await store.queryDriftWindows({ model: 'gas-sensor', feature: 'f2' })
    expect(device!.features).toEqual([driftRecord({ deviceId: 'gas-01', seq: 1, ts: T0, features: 128, drifted: [2] }).features[2]])
    expect(device!.features[0]).toMatchObject({ name: 'f2', drifted: true })
    expect(fleet!.features.map((f) => f.name)).toEqual(['f2'])
    expect((await store.queryDriftWindows({ model: 'gas-sensor', feature: 'nope' })).map((r) => r.features)).toEqual([[], []])
  })

  it('stores a redelivered window once, and keeps different windows that end in the same millisecond', async () => {
    const store = await fresh()
    const window = driftRecord({ deviceId: 'gas-01', seq: 5, ts: T0, drifted: [0] })
    await store.writeDriftWindows([window])
    await store.writeDriftWindows([window]) // QoS 1 redelivery
    await Promise.all([store.writeDriftWindows([window]), store.writeDriftWindows([window, driftRecord({ deviceId: 'gas-01', seq: 6, ts: T0 })])])
    await store.writeDriftWindows([driftRecord({ deviceId: 'gas-02', seq: 5, ts: T0 }), driftRecord({ deviceId: null, ts: T0 })])
    const stored = await store.queryDriftWindows({ model: 'gas-sensor' })
    expect(keys(stored).sort()).toEqual(['_fleet@0', 'gas-01/5@0', 'gas-01/6@0', 'gas-02/5@0'])
    expect(stored.find((r) => r.seq === 5 && r.deviceId === 'gas-01')).toEqual(window)
  })

  it('filters by window end ([from, to)) and returns at most `limit` windows, the newest', async () => {
    const store = await fresh()
    // two devices taking turns: the limit applies across them
    await store.writeDriftWindows(Array.from({ length: 10 }, (_, i) => driftRecord({ deviceId: `gas-0${i % 2}`, seq: i, ts: T0 + i * MINUTE })))
    expect(keys(await store.queryDriftWindows({ model: 'gas-sensor', from: T0 + 2 * MINUTE, to: T0 + 5 * MINUTE }))).toEqual(['gas-00/4@4', 'gas-01/3@3', 'gas-00/2@2'])
    expect(keys(await store.queryDriftWindows({ model: 'gas-sensor', limit: 3 }))).toEqual(['gas-01/9@9', 'gas-00/8@8', 'gas-01/7@7'])
    expect(keys(await store.queryDriftWindows({ model: 'gas-sensor', deviceId: 'gas-00', limit: 2 }))).toEqual(['gas-00/8@8', 'gas-00/6@6'])
    expect(keys(await store.queryDriftWindows({ model: 'gas-sensor', to: T0 + MINUTE, limit: 5 }))).toEqual(['gas-00/0@0'])
  })

  it('deletes windows older than the retention and leaves out expired ones', async () => {
    const store = await fresh()
    const now = Date.now()
    await store.writeDriftWindows([30, 8, 1].map((days, seq) => driftRecord({ deviceId: 'gas-01', seq, ts: now - days * DAY })))
    await store.setRetention(7)
    expect((await store.queryDriftWindows({ model: 'gas-sensor' })).map((r) => r.seq)).toEqual([2])
    await store.writeDriftWindows([driftRecord({ deviceId: null, ts: now - 10 * DAY })])
    expect(await store.queryDriftWindows({ model: 'gas-sensor', fleet: true })).toEqual([])
    await store.setRetention(0)
  })

  it('refuses an invalid window or query and stores nothing of the call', async () => {
    const store = await fresh()
    const good = driftRecord({ deviceId: 'gas-01', seq: 1, ts: T0 })
    const bad: DriftWindowRecord[] = [
      { ...good, features: [{ ...good.features[0]!, psi: Number.NaN }] },
      { ...good, features: [good.features[0]!, good.features[0]!] },
      { ...good, deviceId: null },
      { ...good, seq: null },
      { ...good, ts: -1 },
    ]
    for (const r of bad) await expect(store.writeDriftWindows([good, r])).rejects.toMatchObject({ code: 'HUB_TELEMETRY_POINT_INVALID' })
    expect(await store.queryDriftWindows({ model: 'gas-sensor' })).toEqual([])
    for (const q of [{ limit: 0 }, { limit: 1001 }, { from: T0 + 1, to: T0 }, { deviceId: 'gas-01', fleet: true }]) {
      await expect(store.queryDriftWindows({ model: 'gas-sensor', ...q })).rejects.toMatchObject({ code: 'HUB_TELEMETRY_QUERY_INVALID' })
    }
  })

  it('keeps drift windows across a reopen, and refuses drift calls once closed', async () => {
    const store = await h.open('drift-closing')
    const write = store.writeDriftWindows([driftRecord({ deviceId: 'gas-01', seq: 1, ts: T0 })])
    await store.close()
    await write
    await expect(store.writeDriftWindows([])).rejects.toMatchObject({ code: 'HUB_TELEMETRY_UNAVAILABLE' })
    await expect(store.queryDriftWindows({ model: 'gas-sensor' })).rejects.toMatchObject({ code: 'HUB_TELEMETRY_UNAVAILABLE' })
    const again = await h.open('drift-closing')
    onTestFinished(() => again.close())
    expect(keys(await again.queryDriftWindows({ model: 'gas-sensor' }))).toEqual(['gas-01/1@0'])
  })
}
