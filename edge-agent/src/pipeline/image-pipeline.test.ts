import { shippedPackageDir } from '@edgefleet/models'
import type { WindowContent } from '@edgefleet/models/drift'
import { IMAGE_STATISTICS } from '@edgefleet/models/vision'
import type { Manifest } from '@edgefleet/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InferenceBackend } from '../backends/backend.ts'
import { monitorForModel } from '../drift/monitor-for-model.ts'
import { ImageModel } from '../model/image-model.ts'
import { loadPackage, servingModel, type LoadedPackage } from '../model/load-model.ts'
import type { ServingModel } from '../model/serving-model.ts'
import type { AgentPrediction } from '../sinks/sink.ts'
import { FrameDirSource } from '../sources/frame-dir-source.ts'
import { JsonlSource } from '../sources/jsonl-source.ts'
import type { SourceRecord } from '../sources/source.ts'
import { FACES } from '../sources/test-frame-context.ts'
import { ModelHealth } from './model-health.ts'
import { ModelSlot, type ServedModel } from './model-slot.ts'
import { runPipeline } from './pipeline.ts'
import { AgentStats } from './stats.ts'

let ultraface: LoadedPackage
let gas: LoadedPackage
beforeAll(async () => {
  ultraface = await loadPackage(shippedPackageDir('ultraface'), { backend: 'wasm' })
  gas = await loadPackage(shippedPackageDir('gas-sensor'), { backend: 'wasm' })
})
afterAll(async () => {
  await ultraface?.backend.close()
  await gas?.backend.close()
})

function collect(): { seen: AgentPrediction[]; write(b: readonly AgentPrediction[]): void; close(): Promise<void> } {
  const seen: AgentPrediction[] = []
  return { seen, write: (b) => void seen.push(...b), close: async () => {} }
}

function served(model: ServingModel): ServedModel {
  return { model, ref: { name: model.manifest.name, version: model.manifest.version, sha256: model.manifest.model.sha256 }, health: new ModelHealth() }
}

describe('the pipeline with an image model', () => {
  it('predicts every frame of a directory and hands the drift monitor each frame\'s image and detection statistics', async () => {
    const model = new ImageModel(ultraface.manifest, ultraface.backend)
    const windows: WindowContent[] = []
    const monitor = monitorForModel(ultraface.manifest, model.features, { windowSamples: 9, publish: (w) => void windows.push(w) })!
    const sink = collect()
    const observed: SourceRecord[] = []
    const stats = new AgentStats()
    await runPipeline({
      model, sources: [new FrameDirSource({ dir: FACES })], sink, batchSize: 1, stats,
      observe: (records, output) => {
        observed.push(...records)
        monitor.observe(records, output)
      },
    })
    monitor.close()
    expect(sink.seen.map((p) => p.id)).toEqual(['1.jpg', '2.jpg', '3.jpg', '5.jpg', '6.jpg', '8.jpg', '10.jpg', '11.jpg', '12.jpg'])
    for (const p of sink.seen) {
      expect(p.detections!.length).toBeGreaterThan(0)
      expect(p.image!.width).toBeGreaterThan(0)
      expect(p.latencyMs).toBeGreaterThan(0)
    }
    expect([stats.frames, stats.predictions, stats.batches]).toEqual([9, 9, 9])
    expect(stats.prepareMs).toBeGreaterThan(0)
    expect(observed.map((r) => r.values[11])).toEqual(sink.seen.map((p) => p.detections!.length))
    // one window of 9 frames, summarised feature by feature like tabular readings
    expect(windows).toHaveLength(1)
    const w = windows[0]!
    expect(w.window.count).toBe(9)
    expect(w.features.map((f) => f.name)).toEqual([...IMAGE_STATISTICS, 'detections', 'top_score'])
    const detections = w.features[11]!
    expect(detections.count).toBe(9)
    expect(detections.mean).toBeCloseTo(sink.seen.reduce((n, p) => n + p.detections!.length, 0) / 9, 9)
  })

  it('refuses frames for a tabular model and readings for an image model, naming what to give instead', async () => {
    const frames = new FrameDirSource({ dir: FACES })
    await expect(runPipeline({ model: servingModel(gas.manifest, gas.backend), sources: [frames], sink: collect() }))
      .rejects.toMatchObject({ code: 'AGENT_USAGE', message: expect.stringMatching(/feeds camera frames, but gas-sensor@.* reads tabular readings/) })
    await expect(runPipeline({ model: servingModel(ultraface.manifest, ultraface.backend), sources: [new JsonlSource({ path: 'readings.jsonl' })], sink: collect() }))
      .rejects.toMatchObject({ code: 'AGENT_USAGE', message: expect.stringMatching(/ultraface@.* is an image model: give it --frames DIR or --snapshot-url URL/) })
  })
})

describe('a shadow image model', () => {
  it('runs on the same prepared frames beside the served one and is compared, never served', async () => {
    const slot = new ModelSlot(served(new ImageModel(ultraface.manifest, ultraface.backend)))
    const candidateManifest = structuredClone(ultraface.manifest)
    candidateManifest.version = '1.1.0'
    await slot.setShadow(served(new ImageModel(candidateManifest, ultraface.backend)))
    const sink = collect()
    await runPipeline({ slot, sources: [new FrameDirSource({ dir: FACES })], sink, batchSize: 1 })
    expect(sink.seen).toHaveLength(9)
    // the same network on the same frames: identical scores
    expect(slot.shadow!.comparison.state(slot.shadow!.served)).toMatchObject({ version: '1.1.0', samples: 9, meanAbsDiff: 0 })
  })
})

describe('ModelSlot with image models', () => {
  const variant = (change: (m: Manifest) => void): ImageModel => {
    const m = structuredClone(ultraface.manifest)
    m.version = '2.0.0'
    change(m)
    return new ImageModel(m, {} as InferenceBackend)
  }

  it('accepts a version that prepares frames the same way, even with other drift features', () => {
    const slot = new ModelSlot(served(new ImageModel(ultraface.manifest, ultraface.backend)))
    expect(slot.input).toBe('image')
    expect(() => slot.check(variant((m) => void (m.reference.features = m.reference.features.slice(0, 11))))).not.toThrow()
  })

  it('refuses a model the running camera sources cannot feed: other preprocessing, or a tabular model', () => {
    const slot = new ModelSlot(served(new ImageModel(ultraface.manifest, ultraface.backend)))
    const bigger = variant((m) => {
      m.inputs[0]!.preprocessing = { ...(m.inputs[0]!.preprocessing as Extract<Manifest['inputs'][number]['preprocessing'], { type: 'image' }>), width: 640, height: 480, resize: 'letterbox' }
      m.inputs[0]!.shape = [1, 3, 480, 640]
    })
    expect(() => slot.check(bigger)).toThrow(expect.objectContaining({ code: 'AGENT_SWAP_FAILED', message: expect.stringMatching(/prepares frames differently \(width 640 instead of 320, height 480 instead of 240, resize "letterbox" instead of "stretch"\).*restart the agent/) }))
    expect(() => slot.check(servingModel(gas.manifest, gas.backend))).toThrow(expect.objectContaining({ code: 'AGENT_SWAP_FAILED', message: expect.stringMatching(/reads tabular readings, but the running sources feed camera frames/) }))
    const tabularSlot = new ModelSlot(served(servingModel(gas.manifest, gas.backend)))
    expect(() => tabularSlot.check(new ImageModel(ultraface.manifest, ultraface.backend))).toThrow(/reads camera frames, but the running sources feed tabular readings/)
  })
})
