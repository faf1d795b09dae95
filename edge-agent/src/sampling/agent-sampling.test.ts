import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { dataPaths, REPO_ROOT, resolveDataDir } from '@edgefleet/models'
import { decodeChannel, MAX_PAYLOAD_BYTES, type Labels, type Prediction, type Samples, type Status } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { startAgent, type AgentHandle, type AgentOptions } from '../agent.ts'
import { loadRunConfig, type RunConfig } from '../cli/run-config.ts'
import { CsvSource } from '../sources/csv-source.ts'
import type { Source } from '../sources/source.ts'
import { mosquittoBinary, MOSQUITTO_MISSING, recordUplink, startMosquitto, type Arrival, type TestMosquitto } from '../uplink/test-mosquitto.ts'

const DEVICE = 'pi-07'
const GAS_COLUMNS = { columns: ['gas', 'concentration', '*'], labelColumn: 'gas' }
const gasCsv = (n: number): string => join(dataPaths(resolveDataDir()).gasSensor, `batch${n}.csv`)

/** The rows of a gas-sensor CSV by the id the agent gives them (`batchN.csv:line`): true gas and the 128 raw values. */
function csvRows(n: number): Map<string, { gas: string; features: number[] }> {
  const lines = readFileSync(gasCsv(n), 'utf8').split('\n').filter((l) => l.length > 0)
  return new Map(lines.map((l, i) => {
    const fields = l.split(',')
    return [`batch${n}.csv:${i + 1}`, { gas: fields[0]!, features: fields.slice(2).map(Number) }]
  }))
}

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ef-agent-samples-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function broker(): Promise<TestMosquitto> {
  const b = await startMosquitto()
  cleanup.push(() => b.stop())
  return b
}

async function observe(b: TestMosquitto): Promise<Arrival[]> {
  const o = await recordUplink(b.url, DEVICE)
  cleanup.push(() => o.close())
  return o.received
}

function config(b: TestMosquitto, dir: string, batch: number, o: Partial<RunConfig> = {}): Readonly<RunConfig> {
  return loadRunConfig({
    model: 'gas-sensor', csv: [gasCsv(batch)], ...GAS_COLUMNS, hub: b.url, deviceId: DEVICE, secret: 's3cret', stateDir: dir,
    format: 'none', logLevel: 'silent', sampleSeed: 7, sampleFlushMs: 50, ...o,
  }, {})
}

async function agent(c: Readonly<RunConfig>, o: AgentOptions = {}): Promise<AgentHandle> {
  const a = await startAgent(c, o)
  cleanup.push(async () => {
    a.stop()
    await a.done.catch(() => {})
  })
  return a
}

// tsx's loader in the agent process itself: the tsx CLI would run the agent in a child that a SIGKILL would miss
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** Starts `edgefleet-agent run` as a real process, for a SIGKILL; resolves its exit. */
function agentProcess(args: readonly string[]): { kill(): Promise<void> } {
  const child = spawn(process.execPath, ['--import', tsxLoader, join(REPO_ROOT, 'edge-agent/src/cli/main.ts'), 'run', ...args], {
    cwd: REPO_ROOT, env: { ...process.env, EDGEFLEET_DEVICE_SECRET: 's3cret' }, stdio: ['ignore', 'ignore', 'ignore'],
  })
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  cleanup.push(kill)
  return { kill }
}

/** A live source that never sends: keeps the agent running (timers, label delays) until it is stopped. */
const idle: Source = { name: 'idle', run: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true })) }
/** The CSV of `batch`, then {@link idle}. */
const csvThenIdle = (batch: number): Source[] => [new CsvSource({ path: gasCsv(batch), ...GAS_COLUMNS }), idle]

/** Every message of a channel, validated against the protocol schema, with when it arrived. */
function messages<C extends 'samples' | 'labels' | 'pred' | 'status'>(received: readonly Arrival[], channel: C): { at: number; m: ReturnType<typeof decodeChannel<C>> }[] {
  return received.filter((a) => a.channel === channel).map((a) => {
    expect(Buffer.byteLength(a.payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
    return { at: a.at, m: decodeChannel(channel, a.payload) }
  })
}
const sampleItems = (received: readonly Arrival[]): Samples['items'] => messages(received, 'samples').flatMap(({ m }) => m.items)
const labelItems = (received: readonly Arrival[]): (Labels['items'][number] & { seq: number; at: number })[] =>
  messages(received, 'labels').flatMap(({ at, m }) => m.items.map((l) => ({ ...l, seq: m.seq, at })))
const predictions = (received: readonly Arrival[]): Map<string, Prediction> => new Map(messages(received, 'pred').flatMap(({ m }) => m.items.map((p) => [p.id, p] as const)))

const available = mosquittoBinary() !== null
if (!available) {
  it('runs against Mosquitto (required under CI)', (ctx) => {
    if (process.env.CI === 'true') throw new Error(MOSQUITTO_MISSING)
    ctx.skip(MOSQUITTO_MISSING)
  })
}

describe.runIf(available)('training samples from a gas-sensor replay, on a real broker', () => {
  it('uploads every low-confidence reading and a seeded share of the rest, with the CSV row\'s raw values and the prediction made', async () => {
    const b = await broker()
    const received = await observe(b)
    const a = await agent(config(b, stateDir(), 4, { drift: false, sampleConfidenceBelow: 0.9, sampleRate: 0.2 }))
    await a.done
    const figures = a.report().samples!
    await expect.poll(() => sampleItems(received).length).toBe(figures.uploaded)

    const rows = csvRows(4)
    const made = predictions(received)
    expect(made.size).toBe(rows.size)
    const samples = sampleItems(received)
    for (const s of samples) {
      expect(rows.get(s.id)?.features, s.id).toEqual(s.features)
      expect(s.prediction, s.id).toEqual(made.get(s.id))
      expect(s.reason, s.id).toBe(s.prediction!.confidence! < 0.9 ? 'low-confidence' : 'random')
    }
    const unsure = [...made.values()].filter((p) => p.confidence! < 0.9).map((p) => p.id)
    expect(unsure.length).toBeGreaterThan(0)
    expect(samples.filter((s) => s.reason === 'low-confidence').map((s) => s.id)).toEqual(unsure)
    const sure = made.size - unsure.length
    const random = samples.filter((s) => s.reason === 'random').length
    expect(random).toBeGreaterThan(sure * 0.1)
    expect(random).toBeLessThan(sure * 0.3)
    expect(figures).toMatchObject({ considered: rows.size, kept: { 'low-confidence': unsure.length, random, drift: 0 }, dropped: { 'low-confidence': 0, random: 0 }, refused: 0 })
    expect(messages(received, 'samples')[0]!.m).toMatchObject({ v: 1, deviceId: DEVICE, model: { name: 'gas-sensor', version: '1.0.0' } })
    expect(labelItems(received)).toEqual([])
  })

  it('keeps readings for the drift reason once the agent itself judges the stream drifting, within the budget', async () => {
    const b = await broker()
    const received = await observe(b)
    // batch 8 is far from the training data (23.8 % accuracy); small windows are judged often
    const a = await agent(config(b, stateDir(), 8, { driftWindowSamples: 20, batchSize: 8, rate: 400, sampleConfidenceBelow: 0, sampleRate: 0, sampleDriftRate: 1, sampleMaxPerMinute: 100 }))
    await a.done
    const figures = a.report().samples!
    await expect.poll(() => sampleItems(received).length).toBe(figures.uploaded)
    const drifting = messages(received, 'status').map(({ m }) => m as Status).find((s) => s.drift?.state === 'drifting')
    expect(drifting, 'the agent judged the stream drifting').toBeDefined()
    const samples = sampleItems(received)
    expect(samples.length).toBeGreaterThan(0)
    expect(new Set(samples.map((s) => s.reason))).toEqual(new Set(['drift']))
    // hysteresis: three drifted windows of 20 readings are judged before the state is drifting
    expect(Math.min(...samples.map((s) => Number(s.id.split(':')[1])))).toBeGreaterThan(60)
    // a bucket of 100 per minute, full at the start, refilling slowly: the rest were dropped and counted
    expect(figures.kept.drift).toBe(samples.length)
    expect(figures.kept.drift).toBeLessThanOrEqual(100 + Math.ceil((performance.now() - a.stats.startedAt) / 600))
    expect(figures.dropped.drift).toBeGreaterThan(0)
  })

  it('with --send-labels, sends each uploaded sample\'s true gas once, after --label-delay and not before', async () => {
    const b = await broker()
    const received = await observe(b)
    const a = await agent(config(b, stateDir(), 4, { drift: false, sampleConfidenceBelow: 0.9, sendLabels: true, labelDelay: '200ms' }), { sources: csvThenIdle(4) })
    await expect.poll(() => a.stats.readings, { timeout: 60_000 }).toBe(csvRows(4).size)
    const { kept } = a.report().samples!
    const uploaded = kept['low-confidence'] + kept.random
    expect(uploaded).toBeGreaterThan(0)
    await expect.poll(() => a.report().samples!.uploaded, { timeout: 60_000 }).toBe(uploaded)
    await expect.poll(() => a.report().samples!.labels, { timeout: 60_000 }).toMatchObject({ sent: uploaded, pending: 0 })
    await expect.poll(() => labelItems(received).length, { timeout: 60_000 }).toBe(uploaded)

    const rows = csvRows(4)
    const samples = new Map(sampleItems(received).map((s) => [s.id, s]))
    const sampleSeqs = new Map(messages(received, 'samples').flatMap(({ m }) => m.items.map((s) => [s.id, m.seq] as const)))
    expect(samples.size).toBe(uploaded)
    const labels = labelItems(received)
    expect(labels.map((l) => l.sampleId).sort()).toEqual([...samples.keys()].sort())
    for (const l of labels) {
      const s = samples.get(l.sampleId)!
      expect(l, l.sampleId).toMatchObject({ label: rows.get(l.sampleId)!.gas, source: 'label-column' })
      // the sample's ts is when its reading was read, before it was predicted and kept
      expect(l.ts - s.ts, l.sampleId).toBeGreaterThanOrEqual(200)
      expect(l.at - s.ts, l.sampleId).toBeGreaterThanOrEqual(200)
      expect(l.seq, 'a label goes after its sample').toBeGreaterThan(sampleSeqs.get(l.sampleId)!)
    }
  })

  it('keeps labels not yet due when the agent stops, and the next run sends them, once', async () => {
    const b = await broker()
    const received = await observe(b)
    const dir = stateDir()
    const c = config(b, dir, 4, { drift: false, sampleConfidenceBelow: 0.9, sendLabels: true, labelDelay: '1h' })
    const first = await agent(c)
    await first.done
    const uploaded = first.report().samples!
    expect(uploaded.uploaded).toBeGreaterThan(0)
    expect(uploaded.labels).toMatchObject({ sent: 0, pending: uploaded.uploaded })
    await expect.poll(() => sampleItems(received).length).toBe(uploaded.uploaded)
    expect(labelItems(received)).toEqual([])

    // an hour later (the clock the sampling reads), with no new readings
    const second = await agent(c, { sources: [idle], now: () => Date.now() + 3_600_000 })
    await expect.poll(() => labelItems(received).length, { timeout: 60_000 }).toBe(uploaded.uploaded)
    second.stop()
    await second.done
    const rows = csvRows(4)
    const labels = labelItems(received)
    expect(labels.map((l) => l.sampleId).sort()).toEqual(sampleItems(received).map((s) => s.id).sort())
    for (const l of labels) expect(l.label).toBe(rows.get(l.sampleId)!.gas)
    expect(second.report().samples!.labels).toMatchObject({ sent: uploaded.uploaded, pending: 0 })
  })

  it('after a kill -9 mid-replay, every uploaded sample gets its true label exactly once, and no other sample does', async () => {
    const b = await broker()
    const received = await observe(b)
    const dir = stateDir()
    const killed = agentProcess([
      '--model', 'gas-sensor', '--csv', gasCsv(3), '--columns', 'gas,concentration,*', '--label-column', 'gas', '--hub', b.url, '--device-id', DEVICE,
      '--state-dir', dir, '--format', 'none', '--rate', '200', '--no-drift', '--sample-confidence-below', '0.9', '--sample-rate', '0.2',
      '--sample-flush-ms', '50', '--send-labels', '--label-delay', '100ms',
    ])
    // killed while readings, samples and labels flow: samples still buffered in memory are lost with it
    await expect.poll(() => labelItems(received).length, { timeout: 60_000 }).toBeGreaterThan(0)
    await killed.kill()

    // restarted without readings, an hour later for the sampling's clock: whatever was pending is due
    const again = await agent(config(b, dir, 3, { drift: false, sendLabels: true, labelDelay: '100ms' }), { sources: [idle], now: () => Date.now() + 3_600_000 })
    await expect.poll(() => again.report().samples!.labels?.pending, { timeout: 60_000 }).toBe(0)
    again.stop()
    await again.done
    expect(again.report().uplink?.left).toBe(0)

    const uploaded = new Set(sampleItems(received).map((s) => s.id))
    await expect.poll(() => new Set(labelItems(received).map((l) => l.sampleId)), { timeout: 60_000 }).toEqual(uploaded)
    const rows = csvRows(3)
    const seqsOf = new Map<string, Set<number>>()
    for (const l of labelItems(received)) {
      expect(l.label, l.sampleId).toBe(rows.get(l.sampleId)!.gas)
      seqsOf.set(l.sampleId, (seqsOf.get(l.sampleId) ?? new Set()).add(l.seq))
    }
    // a QoS 1 redelivery repeats a message with its seq (stored once by the hub); a label sent twice would come in two
    expect([...seqsOf].filter(([, seqs]) => seqs.size > 1)).toEqual([])
    expect(uploaded.size).toBeGreaterThan(0)
  })
})
