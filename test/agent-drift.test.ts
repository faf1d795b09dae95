import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dataPaths, resolveDataDir } from '@edgefleet/models'
import { decodeChannel, parseDeviceTopic, validators, type DriftSummary, type Status } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { runAgent } from './helpers/agent-process.ts'
import { startBroker } from './helpers/broker.ts'

const DEVICE = 'pi-07'
const SECRET = 'drift-test-secret'
const GAS_ARGS = ['--columns', 'gas,concentration,*', '--label-column', 'gas']
const gasDir = dataPaths(resolveDataDir()).gasSensor
const batch = (n: number): string => join(gasDir, `batch${n}.csv`)
const csvRows = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0)

interface DriftJson {
  windows: number
  sent: number
  written: number
  judged: number
  state: 'ok' | 'drifting' | 'unknown'
  kinds: string[]
  features: string[]
  drifted: number
}
const summaryOf = (stderr: string): { predictions: number; drift: DriftJson; uplink?: { sent: number; left: number } } =>
  JSON.parse(stderr.trim().split('\n').at(-1)!)

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ef-agent-drift-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Every drift summary adds up: window counts to the readings, each feature's count + missing to its window. */
function expectConsistent(summaries: readonly DriftSummary[], readings: number, features: number): void {
  expect(summaries.reduce((n, s) => n + s.window.count, 0)).toBe(readings)
  for (const s of summaries) {
    expect(s.window.count).toBeGreaterThan(0)
    expect(s.window.start).toBeLessThanOrEqual(s.window.end)
    expect(s.features).toHaveLength(features)
    for (const f of s.features) expect(f.count + f.missing, `${f.name} in seq ${s.seq}`).toBe(s.window.count)
    expect(s.outputs.classCounts!.reduce((a, b) => a + b, 0)).toBe(s.window.count)
  }
}

describe('edgefleet-agent run: drift windows', () => {
  it('sends each window to the hub as a DriftSummary through the outbox, and reports its own drift state in status', async () => {
    const b = await startBroker({ users: { [DEVICE]: SECRET } })
    cleanup.push(() => b.close())
    const arrivals: { channel: string; payload: string }[] = []
    b.broker.authorizePublish = (client, packet, done) => {
      if (client?.id === DEVICE) arrivals.push({ channel: parseDeviceTopic(packet.topic)?.channel ?? packet.topic, payload: packet.payload.toString() })
      done(null)
    }
    const r = await runAgent([
      'run', '--model', 'gas-sensor', '--hub', b.url, '--device-id', DEVICE, '--state-dir', tempDir(),
      '--csv', batch(4), ...GAS_ARGS, '--drift-window-samples', '50', '--format', 'none', '--summary', '--json',
    ], { env: { EDGEFLEET_DEVICE_SECRET: SECRET } })
    expect(r.code, r.stderr).toBe(0)

    const drift = arrivals.filter((a) => a.channel === 'drift')
    // each message passes the protocol's own validator, as the hub's ingest checks it
    for (const a of drift) expect(validators.drift.issues(JSON.parse(a.payload))).toEqual([])
    const summaries = drift.map((a) => decodeChannel('drift', a.payload))
    const rows = csvRows(batch(4)).length
    expect(summaries.map((s) => s.window.count)).toEqual([50, 50, 50, rows - 150])
    expectConsistent(summaries, rows, 128)
    expect(summaries[0]).toMatchObject({ deviceId: DEVICE, model: { name: 'gas-sensor' } })

    // numbered by the outbox with the predictions: one contiguous run of seqs across both channels
    const seqs = arrivals.filter((a) => a.channel === 'drift' || a.channel === 'pred').map((a) => (JSON.parse(a.payload) as { seq: number }).seq).sort((x, y) => x - y)
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i))

    const summary = summaryOf(r.stderr)
    // the last window (11 readings) is below the policy's minCount of 30: it waits to be merged, unjudged
    expect(summary.drift).toMatchObject({ windows: 4, sent: 4, judged: 3 })
    expect(summary.uplink).toMatchObject({ left: 0 })

    // status messages carry the drift state; a change of state is published at once
    const statuses: Status[] = arrivals.filter((a) => a.channel === 'status').map((a) => decodeChannel('status', a.payload))
    const withDrift = statuses.filter((s) => s.drift !== undefined)
    expect(withDrift.length).toBeGreaterThan(0)
    expect(withDrift.at(-1)!.drift).toMatchObject({ state: summary.drift.state, windows: expect.any(Number) })
    expect(withDrift.map((s) => s.drift!.state)).toContain(summary.drift.state)
    expect(summary.drift.state).not.toBe('unknown')
  })

  it('without a hub, finds drift in a late batch and names the features, and writes the windows to --drift-out', async () => {
    const out = join(tempDir(), 'drift.jsonl')
    const r = await runAgent(['run', '--model', 'gas-sensor', '--csv', batch(8), ...GAS_ARGS, '--drift-window-samples', '50', '--drift-out', out, '--format', 'none', '--summary', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const { drift } = summaryOf(r.stderr)
    const rows = csvRows(batch(8)).length
    expect(drift).toMatchObject({ windows: Math.ceil(rows / 50), judged: Math.ceil(rows / 50), sent: 0, written: Math.ceil(rows / 50), state: 'drifting' })
    expect(drift.kinds).toContain('data-drift')
    expect(drift.features.length).toBeGreaterThan(10)
    expect(drift.features.every((f) => /^s\d\d_/.test(f))).toBe(true)

    const summaries = readFileSync(out, 'utf8').trim().split('\n').map((l) => decodeChannel('drift', l))
    expect(summaries.map((s) => s.seq)).toEqual(summaries.map((_, i) => i + 1))
    expectConsistent(summaries, rows, 128)
  })

  it('stays ok on a shuffled replay of the data the reference was taken from (batches 1 and 2)', async () => {
    // The reference statistics are those of batches 1-2 together; the CSV files are ordered by gas, so a
    // window of 50 consecutive rows holds one or two gases and would rightly differ from the mix.
    // --shuffle replays both files mixed in a seeded order: a stationary stream from the reference period.
    const rows = csvRows(batch(1)).length + csvRows(batch(2)).length
    const r = await runAgent(['run', '--model', 'gas-sensor', '--csv', batch(1), '--csv', batch(2), '--shuffle', '42', ...GAS_ARGS, '--drift-window-samples', '50', '--format', 'none', '--summary', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const summary = summaryOf(r.stderr)
    expect(summary.predictions).toBe(rows)
    expect(summary.drift).toMatchObject({ windows: Math.ceil(rows / 50), state: 'ok', kinds: [] })
    expect(summary.drift.judged).toBeGreaterThanOrEqual(30)
  })

  it('in file order the same readings drift: each window holds one gas', async () => {
    const r = await runAgent(['run', '--model', 'gas-sensor', '--csv', batch(1), '--csv', batch(2), ...GAS_ARGS, '--drift-window-samples', '50', '--format', 'none', '--summary', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(summaryOf(r.stderr).drift.state).toBe('drifting')
  })

  it('with --no-drift, neither judges nor writes drift windows', async () => {
    const out = join(tempDir(), 'drift.jsonl')
    const r = await runAgent(['run', '--model', 'gas-sensor', '--csv', batch(8), ...GAS_ARGS, '--no-drift', '--drift-out', out, '--format', 'none', '--summary', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const summary = summaryOf(r.stderr)
    expect(summary.predictions).toBe(csvRows(batch(8)).length)
    expect(summary.drift).toBeUndefined()
    expect(() => readFileSync(out)).toThrow(/ENOENT/)
  })
})
