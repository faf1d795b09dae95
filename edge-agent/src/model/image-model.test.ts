import { join } from 'node:path'
import { dataPaths, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { prepareFrame } from '@edgefleet/models/camera'
import { IMAGE_STATISTICS } from '@edgefleet/models/vision'
import type { Manifest } from '@edgefleet/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InferenceBackend } from '../backends/backend.ts'
import { createWasmBackend } from '../backends/wasm.ts'
import type { AgentPrediction } from '../sinks/sink.ts'
import type { SourceRecord } from '../sources/source.ts'
import { ImageModel } from './image-model.ts'
import { loadPackage, servingModel } from './load-model.ts'
import { TabularModel } from './tabular.ts'
import { colourClassifierManifest, colourClassifierOnnx, solidFrame } from './test-image-classifier.ts'

const faces = dataPaths(resolveDataDir()).faces

async function frameRecord(model: ImageModel, file: string): Promise<SourceRecord> {
  const f = await prepareFrame(join(faces, file), model.image)
  return { id: file, ts: 0, values: new Float64Array(0), frame: { ...f, prepareMs: 0 } }
}

describe('ImageModel on UltraFace (real model, WASM)', () => {
  let model: ImageModel
  beforeAll(async () => {
    const loaded = await loadPackage(shippedPackageDir('ultraface'), { backend: 'wasm' })
    model = servingModel(loaded.manifest, loaded.backend) as ImageModel
  })
  afterAll(() => model?.backend.close())

  it('is picked for an image input, runs frame by frame (batch fixed at 1) and reads its drift features from the reference', () => {
    expect(model).toBeInstanceOf(ImageModel)
    expect(model.perFrame).toBe(true)
    expect(model.features).toEqual([...IMAGE_STATISTICS, 'detections', 'top_score'])
  })

  it('reads faces as detections with boxes 0..1 of the original photo, and completes the drift values', async () => {
    const record = await frameRecord(model, '8.jpg')
    const batch = model.allocate(1)
    model.put(record.frame!.tensor, batch, 0)
    const output = await model.run(batch, 1)
    const p: AgentPrediction = { id: record.id, ts: 0, latencyMs: 0 }
    model.read(output, 0, p, false, record)
    expect(p.image).toEqual({ width: 490, height: 353 })
    expect(p.detections!.length).toBeGreaterThan(0)
    for (const d of p.detections!) {
      expect(d.label).toBe('face')
      expect(d.score).toBeGreaterThan(0.7)
      expect(d.box[0]).toBeGreaterThanOrEqual(0)
      expect(d.box[2]).toBeLessThanOrEqual(1)
      expect(d.box[0]).toBeLessThan(d.box[2]!)
      expect(d.box[1]).toBeLessThan(d.box[3]!)
    }
    // the image statistics come from the source, the detection statistics from this frame's output
    expect(Array.from(record.values.subarray(0, IMAGE_STATISTICS.length))).toEqual(Array.from(record.frame!.statistics))
    expect(record.values[11]!).toBe(p.detections!.length)
    expect(record.values[12]!).toBeCloseTo(p.detections![0]!.score, 5)
  })

  it('reads a batch of frames (one run each) exactly as it reads them one at a time', async () => {
    const records = [await frameRecord(model, '1.jpg'), await frameRecord(model, '12.jpg')]
    const batch = model.allocate(2)
    records.forEach((r, i) => model.put(r.frame!.tensor, batch, i))
    const both = await model.run(batch, 2)
    expect(both.width).toBe(4420 * 2)
    expect(both.tensors!['boxes']!.length).toBe(2 * 4420 * 4)
    for (const [i, r] of records.entries()) {
      const alone = model.allocate(1)
      model.put(r.frame!.tensor, alone, 0)
      const a: AgentPrediction = { id: r.id, ts: 0, latencyMs: 0 }
      const b: AgentPrediction = { id: r.id, ts: 0, latencyMs: 0 }
      model.read(await model.run(alone, 1), 0, a, false, r)
      model.read(both, i, b, false, r)
      expect(b.detections).toEqual(a.detections)
    }
  })

  it('refuses a frame prepared for another input size', () => {
    expect(() => model.put(new Float32Array(10), model.allocate(1), 0)).toThrow(/frame of 10 values/)
  })
})

describe('ImageModel as a classifier (a real ONNX colour classifier)', () => {
  const size = 4
  const backends: InferenceBackend[] = []
  afterAll(async () => {
    for (const b of backends) await b.close()
  })
  async function classifier(o: { batch: number | string; logits?: boolean }): Promise<ImageModel> {
    const backend = await createWasmBackend(colourClassifierOnnx({ size, ...o }))
    backends.push(backend)
    return new ImageModel(colourClassifierManifest({ size, ...o }), backend)
  }

  it.each([
    { batch: 'batch', logits: false, perFrame: false },
    { batch: 1, logits: true, perFrame: true },
  ])('reads top-k with labels and confidence (batch $batch, logits $logits)', async ({ batch, logits, perFrame }) => {
    const model = await classifier({ batch, logits })
    expect(model.perFrame).toBe(perFrame)
    const frames = [solidFrame(size, [255, 0, 0]), solidFrame(size, [0, 40, 255])]
    const buffer = model.allocate(2)
    frames.forEach((f, i) => model.put(f, buffer, i))
    const output = await model.run(buffer, 2)
    const read = (i: number): AgentPrediction => {
      const p: AgentPrediction = { id: `f${i}`, ts: 0, latencyMs: 0 }
      model.read(output, i, p, true)
      return p
    }
    const red = read(0)
    // softmax of the channel means (1, 0, 0)
    const e = Math.E
    expect(red).toMatchObject({ label: 'red', classIndex: 0 })
    expect(red.confidence).toBeCloseTo(e / (e + 2), 5)
    expect(red.top!.map((t) => t.label)).toEqual(['red', 'green'])
    expect(red.scores!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    expect(read(1)).toMatchObject({ label: 'blue', classIndex: 2, top: [{ label: 'blue' }, { label: 'green' }] })
  })

  it('completes a frame record with its image statistics as drift values (no detection statistics)', async () => {
    const model = await classifier({ batch: 'batch' })
    expect(model.features).toEqual(IMAGE_STATISTICS)
    const statistics = Float64Array.from(IMAGE_STATISTICS, (_, i) => i + 0.5)
    const record: SourceRecord = { id: 'f', ts: 0, values: new Float64Array(0), frame: { tensor: solidFrame(size, [0, 255, 0]), statistics, source: { width: 8, height: 8 }, transform: { scaleX: 1, offsetX: 0, scaleY: 1, offsetY: 0 }, prepareMs: 0 } }
    const buffer = model.allocate(1)
    model.put(record.frame!.tensor, buffer, 0)
    const p: AgentPrediction = { id: 'f', ts: 0, latencyMs: 0 }
    model.read(await model.run(buffer, 1), 0, p, false, record)
    expect(p).toMatchObject({ label: 'green', image: { width: 8, height: 8 } })
    expect(Array.from(record.values)).toEqual(Array.from(statistics))
  })
})

describe('which manifests an image model refuses', () => {
  const base = colourClassifierManifest({ batch: 'batch', size: 4 })
  const noBackend = {} as InferenceBackend
  const variant = (change: (m: Manifest) => void): Manifest => {
    const m = structuredClone(base)
    change(m)
    return m
  }
  it.each<[string, (m: Manifest) => void, RegExp, string]>([
    ['a fixed batch over 1', (m) => void (m.inputs[0]!.shape[0] = 4), /exactly 4 frames per run/, 'MODEL_INPUT_UNSUPPORTED'],
    ['a shape the preprocessing does not fill', (m) => void (m.inputs[0]!.shape[2] = 8), /does not hold the frames/, 'MODEL_MANIFEST_INVALID'],
    ['regression on images', (m) => void (m.postprocessing = { type: 'regression' }), /image models are classifiers or detectors/, 'MODEL_INPUT_UNSUPPORTED'],
    ['a detector without a boxes output', (m) => void (m.postprocessing = { type: 'detection', classIndex: 1, scoreThreshold: 0.5, iouThreshold: 0.5, maxDetections: 10, boxFormat: 'corner-normalized' }), /without a scores and a boxes output/, 'MODEL_INPUT_UNSUPPORTED'],
    ['a reference feature that is no image statistic', (m) => void (m.reference.features = [{ name: 'temperature', edges: [0, 1], proportions: [0, 1, 0], mean: 0.5, std: 0.1, min: 0, max: 1, missingRate: 0 }]), /temperature, which is not an image statistic/, 'MODEL_MANIFEST_INVALID'],
  ])('refuses %s', (_what, change, message, code) => {
    expect(() => new ImageModel(variant(change), noBackend)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }))
  })
  it('leaves tabular manifests to the tabular model', () => {
    const tabular = variant((m) => {
      m.inputs[0] = { name: 'x', dtype: 'float32', shape: ['batch', 2], kind: 'tabular', features: [{ name: 'a' }, { name: 'b' }], preprocessing: { type: 'none' } }
    })
    expect(servingModel(tabular, noBackend)).toBeInstanceOf(TabularModel)
    expect(() => new ImageModel(tabular, noBackend)).toThrow(/not a single-input image model/)
  })
})
