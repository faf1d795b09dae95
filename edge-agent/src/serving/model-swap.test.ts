import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as yieldTurn } from 'node:timers/promises'
import { shippedPackageDir } from '@edgefleet/models'
import { decodeChannel, type Manifest } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { loadRunConfig } from '../cli/run-config.ts'
import { createRunDrift } from '../cli/run-drift.ts'
import { desired, gasSensorVersion, TestSigner } from '../deploy/test-hub.ts'
import { testDevice } from '../deploy/test-device.ts'
import { loadPackage } from '../model/load-model.ts'
import { TabularModel } from '../model/tabular.ts'
import { runPipeline } from '../pipeline/pipeline.ts'
import { AgentStats } from '../pipeline/stats.ts'
import type { AgentPrediction, PredictionSink } from '../sinks/sink.ts'
import type { Source, SourceContext } from '../sources/source.ts'
import { statusDescriber } from './agent-status.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const signer = new TestSigner()
const v2 = gasSensorVersion('2.0.0', signer)

/** Collects predictions with the model version that made them. */
function collect(): PredictionSink & { seen: { id: string; version: string }[] } {
  const seen: { id: string; version: string }[] = []
  return { seen, write: (batch, model) => void seen.push(...batch.map((p: AgentPrediction) => ({ id: p.id, version: model.version }))), close: async () => {} }
}

/** A live source: readings at the reference means, pushed until `more()` says stop. */
function liveSource(manifest: Manifest, more: (pushed: number) => boolean, value?: (i: number) => number): Source {
  const means = manifest.reference.features.map((f) => f.mean)
  return {
    name: 'live',
    async run(ctx: SourceContext) {
      for (let i = 0; more(i); i++) {
        const values = Float64Array.from(means, (m) => value?.(i) ?? m)
        await ctx.push({ id: `r${i}`, ts: Date.now(), values })
        if (i % 8 === 7) await yieldTurn()
      }
    },
  }
}

/** Resolves once `condition` holds (checked every few ms). */
function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => condition() && (clearInterval(timer), resolve()), 5)
    cleanup.push(() => clearInterval(timer))
  })
}

describe('swapping the served model', () => {
  it('keeps serving during activation, swaps at a batch boundary without losing a reading, and the drift monitor follows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-swap-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const driftOut = join(dir, 'drift.jsonl')
    const drift = createRunDrift(loadRunConfig({ model: 'gas-sensor', stdin: true, driftWindowSamples: 50, driftOut }, {}), { debug() {}, info() {}, warn() {}, error() {} })
    const d = await testDevice(cleanup, { signer, drift })
    drift.attach(undefined)
    const sink = collect()
    const stats = new AgentStats()
    // the download waits until 200 predictions were made after the desired state arrived
    let atReceived = -1
    let swappedAt = -1
    d.server.hold('model.onnx', until(() => atReceived >= 0 && sink.seen.length >= atReceived + 200))
    const want = desired(d.server.publish(v2))
    const running = runPipeline({
      slot: d.slot,
      sources: [liveSource(d.slot.current.model.manifest, (i) => {
        if (i === 100) {
          d.deployer.handle(want)
          atReceived = sink.seen.length
        }
        if (swappedAt < 0 && d.slot.current.ref.version === '2.0.0') swappedAt = i
        return swappedAt < 0 || i < swappedAt + 300
      })],
      sink,
      batchSize: 16,
      batchWaitMs: 1,
      stats,
    })
    await running
    await d.deployer.idle()
    const v2Batches = d.slot.current.health.runs
    await d.slot.close()
    await drift.close()

    expect(d.steps().at(-1)).toBe('active succeeded')
    expect(sink.seen.map((p) => p.id)).toEqual(Array.from({ length: stats.readings }, (_, i) => `r${i}`))
    const versions = sink.seen.map((p) => p.version)
    const firstV2 = versions.indexOf('2.0.0')
    expect(firstV2).toBeGreaterThanOrEqual(atReceived + 200)
    expect(versions.slice(0, firstV2).every((v) => v === '1.0.0') && versions.slice(firstV2).every((v) => v === '2.0.0')).toBe(true)
    expect(stats.failedReadings).toBe(0)
    // v2's health counts only its own batches
    expect(v2Batches).toBeGreaterThanOrEqual(Math.ceil((versions.length - firstV2) / 16))
    expect(v2Batches).toBeLessThanOrEqual(versions.length - firstV2)
    // each model's windows hold exactly the readings it served: v1's last window was closed at the swap
    const windows = readFileSync(driftOut, 'utf8').trim().split('\n').map((l) => decodeChannel('drift', l))
    const counted = (version: string): number => windows.filter((w) => w.model.version === version).reduce((n, w) => n + w.window.count, 0)
    expect(counted('1.0.0')).toBe(firstV2)
    expect(counted('2.0.0')).toBe(versions.length - firstV2)
    expect(windows.map((w) => w.model.version)).toEqual([...windows.map((w) => w.model.version)].sort())
  })

  it('reports the served model and its health since it was loaded in the status', async () => {
    const d = await testDevice(cleanup, { signer })
    const stats = new AgentStats()
    const describe = statusDescriber(d.slot, stats, () => 0)
    await runPipeline({ slot: d.slot, sources: [liveSource(d.slot.current.model.manifest, (i) => i < 64)], sink: collect(), batchSize: 16, stats })
    expect(describe()).toMatchObject({ model: { name: 'gas-sensor', version: '1.0.0' }, counters: { predictions: 64, inferenceRuns: 4, inferenceErrors: 0 }, latencyMs: expect.any(Number), latencyP95Ms: expect.any(Number) })
    await d.apply(desired(d.server.publish(v2)))
    const after = describe()
    expect(after).toMatchObject({ model: v2.ref, counters: { predictions: 64, inferenceRuns: 0, inferenceErrors: 0 } })
    expect(after.latencyMs).toBeUndefined()
  })

  it('counts a batch whose output is NaN, or whose run throws, as failed readings and goes on', async () => {
    const loaded = await loadPackage(shippedPackageDir('gas-sensor'))
    let closed = false
    cleanup.push(() => (closed ? undefined : loaded.backend.close()))
    const model = new TabularModel(loaded.manifest, loaded.backend)
    const stats = new AgentStats()
    const sink = collect()
    // readings 16..31 are NaN: that whole batch of 16 fails, the batches around it are predicted
    await runPipeline({ model, sources: [liveSource(loaded.manifest, (i) => i < 48, (i) => (i >= 16 && i < 32 ? Number.NaN : 0))], sink, batchSize: 16, batchWaitMs: 1000, stats })
    expect([stats.readings, stats.predictions, stats.failedReadings]).toEqual([48, 32, 16])
    expect(sink.seen.map((p) => p.id)).toEqual([...Array.from({ length: 16 }, (_, i) => `r${i}`), ...Array.from({ length: 16 }, (_, i) => `r${i + 32}`)])
    await loaded.backend.close()
    closed = true
    const after = new AgentStats()
    await runPipeline({ model, sources: [liveSource(loaded.manifest, (i) => i < 16)], sink, batchSize: 16, batchWaitMs: 1000, stats: after })
    expect([after.readings, after.predictions, after.failedReadings]).toEqual([16, 0, 16])
  })
})

