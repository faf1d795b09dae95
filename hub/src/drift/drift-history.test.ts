import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HubError } from '../errors.ts'
import { SqliteTelemetry } from '../telemetry/sqlite-telemetry.ts'
import { DEMO_MODEL, demoReferences, demoSummary } from '../test-support/drift-fixtures.ts'
import { DriftEngine, type JudgedWindowRecord } from './drift-engine.ts'
import { DriftHistory, type DriftHistoryOptions } from './drift-history.ts'

let dir: string
let store: SqliteTelemetry
let down: boolean
let clock: number
const outcomes: string[] = []
const logs: string[] = []
const logger = { info: (_: object, m: string) => void logs.push(`info: ${m}`), warn: (_: object, m: string) => void logs.push(`warn: ${m}`), error: (_: object, m: string) => void logs.push(`error: ${m}`) }

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ef-drift-history-'))
  store = await SqliteTelemetry.open(join(dir, 'telemetry.db'))
  down = false
  clock = 1_000_000
  outcomes.length = 0
  logs.length = 0
})

afterEach(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

/** A history on the real store, failing while `down` (an outage of InfluxDB, say). */
function history(o: Partial<DriftHistoryOptions> = {}): DriftHistory {
  return new DriftHistory({
    store: { writeDriftWindows: (rs) => (down ? Promise.reject(new HubError('HUB_TELEMETRY_UNAVAILABLE', 'InfluxDB is down')) : store.writeDriftWindows(rs)) },
    logger,
    observe: (outcome, n) => void outcomes.push(`${outcome} ${n}`),
    now: () => clock,
    retryMs: 5000,
    ...o,
  })
}

/** Real judged windows: a real engine on the demo reference, one device window each. */
async function judged(n: number): Promise<JudgedWindowRecord[]> {
  const out: JudgedWindowRecord[] = []
  const engine = new DriftEngine({ references: demoReferences, alerts: { emit: async () => {} }, onVerdict: async (r) => void out.push(r) })
  const start = Date.now() - 3_600_000
  for (let seq = 1; seq <= n; seq++) await engine.ingest(demoSummary({ deviceId: 'pi-1', seq, start: start + seq * 1000, shift: seq % 2 }))
  return out
}

const storedSeqs = async () => (await store.queryDriftWindows({ model: DEMO_MODEL.name })).map((r) => r.seq).sort((a, b) => a! - b!)

describe('DriftHistory', () => {
  it('stores each judged window with every feature, in the model version of the window', async () => {
    const h = history()
    const [w] = await judged(1)
    await h.record(w!)
    const [stored] = await store.queryDriftWindows({ model: DEMO_MODEL.name })
    expect(stored).toMatchObject({ deviceId: 'pi-1', seq: 1, version: '1.0.0', ts: w!.window.end, start: w!.window.start, count: 100, driftShare: w!.verdict.driftShare })
    expect(stored!.features.map((f) => [f.name, f.ks, f.drifted])).toEqual(w!.verdict.features.map((f) => [f.name, f.ks, f.drifted]))
  })

  it('never rejects while the store fails: counts, logs once, keeps the windows and catches up when a later window arrives', async () => {
    const h = history()
    const windows = await judged(5)
    down = true
    await h.record(windows[0]!)
    await h.record(windows[1]!)
    expect([h.pending, outcomes, logs.length]).toEqual([2, ['failed 1', 'failed 1'], 1])
    expect(logs[0]).toMatch(/^error: cannot store drift statistics; alerts go on/)
    down = false
    await h.record(windows[2]!) // too soon after the failure: kept, not tried
    expect([h.pending, await storedSeqs()]).toEqual([3, []])
    clock += 5000
    await h.record(windows[3]!)
    await h.flush()
    expect(await storedSeqs()).toEqual([1, 2, 3, 4])
    expect(logs.at(-1)).toBe('info: drift statistics stored again: the kept judged windows are caught up')
    await h.record(windows[4]!) // healthy again: stored at once
    expect([h.pending, await storedSeqs()]).toEqual([0, [1, 2, 3, 4, 5]])
  })

  it('drops the oldest windows beyond its backlog, and stores the rest on flush', async () => {
    const h = history({ maxBacklog: 2 })
    down = true
    for (const w of await judged(4)) await h.record(w)
    expect(outcomes).toEqual(['failed 1', 'failed 1', 'failed 1', 'dropped 1', 'failed 1', 'dropped 1'])
    down = false
    await h.flush()
    expect(await storedSeqs()).toEqual([3, 4])
  })

  it('stores a window once however often it is recorded', async () => {
    const h = history()
    const [w] = await judged(1)
    await Promise.all([h.record(w!), h.record(w!)])
    await h.record(w!)
    expect(await storedSeqs()).toEqual([1])
  })
})
