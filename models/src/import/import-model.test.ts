import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IMAGE_STATISTICS } from '../vision/image-statistics.ts'
import { selfTestFailures } from '../build/onnx/check-self-test.ts'
import { ImportError } from '../errors.ts'
import { readPackage, verifyPackageDigest } from '../package/read-package.ts'
import { makeTempDir } from '../package/test-fixture.ts'
import { importModel, IMPORT_STEPS, type ImportStep } from './import-model.ts'
import { parseImportSpec } from './import-spec.ts'
import { colourClassifierOnnx, customOpOnnx, tabularClassifierOnnx } from './test-models.ts'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await makeTempDir('edgefleet-import-'))
  await writeFile(join(dir, 'tabular.onnx'), tabularClassifierOnnx())
  await writeFile(join(dir, 'logits.onnx'), tabularClassifierOnnx({ logits: true }))
  await writeFile(join(dir, 'custom.onnx'), customOpOnnx())
  await writeFile(join(dir, 'colour.onnx'), colourClassifierOnnx())
  await writeFile(join(dir, 'not-onnx.onnx'), 'these are not the bytes of a model')
  // reference rows: three features, an id and a label column the import must leave out
  const rows = ['id,a,b,c,truth']
  for (let i = 0; i < 200; i++) {
    const [a, b, c] = [Math.sin(i), Math.cos(i * 1.3), (i % 7) / 7]
    rows.push(`r${i},${a.toFixed(4)},${b.toFixed(4)},${i === 5 ? '' : c.toFixed(4)},${a + b - c > 0 ? 'yes' : 'no'}`)
  }
  await writeFile(join(dir, 'reference.csv'), `${rows.join('\n')}\n`)
  await writeFile(join(dir, 'reference.jsonl'), rows.slice(1, 41).map((r) => {
    const [, a, b, c] = r.split(',')
    return JSON.stringify({ a: Number(a), b: Number(b), c: c === '' ? null : Number(c) })
  }).join('\n'))
  // reference frames: mostly red, some green, one blue
  await mkdir(join(dir, 'frames'))
  const colours = [[200, 30, 30], [210, 40, 20], [190, 20, 50], [30, 180, 40], [40, 30, 200]]
  for (const [i, [r, g, b]] of colours.entries()) {
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: r!, g: g!, b: b! } } }).png().toFile(join(dir, 'frames', `${i}.png`))
  }
})
afterAll(() => cleanup?.())

async function refusal(p: Promise<unknown>): Promise<ImportError> {
  try {
    await p
  } catch (err) {
    if (err instanceof ImportError) return err
    throw err
  }
  throw new Error('expected an ImportError')
}

describe('importModel on a tabular classifier', () => {
  it('builds a package whose manifest comes from the graph and the reference CSV, and runs every named step', async () => {
    const steps: ImportStep[] = []
    const report = await importModel({
      model: join(dir, 'tabular.onnx'),
      spec: parseImportSpec({ name: 'tabular', labels: ['no', 'yes'], reference: { idColumn: 'id', labelColumn: 'truth' }, license: 'MIT' }),
      reference: join(dir, 'reference.csv'),
      outDir: join(dir, 'out', 'tabular'),
      onStep: (s) => steps.push(s),
    })
    expect(steps).toEqual([...IMPORT_STEPS])
    const pkg = await readPackage(report.dir)
    await verifyPackageDigest(pkg)
    const m = pkg.manifest
    expect(m).toMatchObject({ name: 'tabular', version: '1.0.0', task: 'classification', license: 'MIT', model: { opset: 17 }, postprocessing: { type: 'classification', topK: 1 } })
    expect(m.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 3], kind: 'tabular', features: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], preprocessing: { type: 'none' } }])
    expect(m.outputs).toEqual([{ name: 'probs', dtype: 'float32', shape: ['batch', 2], role: 'probabilities', labels: ['no', 'yes'] }])
    // the row missing c is left out, as the agent would refuse it
    expect(m.reference).toMatchObject({ sampleCount: 199, source: expect.stringMatching(/reference.csv: 199 rows \(1 with a missing feature left out\)/) })
    expect(m.reference.features.map((f) => f.name)).toEqual(['a', 'b', 'c'])
    const yes = m.reference.outputs.classDistribution![1]!
    expect(yes).toBeGreaterThan(0.2)
    expect(yes).toBeLessThan(0.8)
    expect(m.selfTest.vectors).toHaveLength(4)
    expect(m.selfTest.vectors[0]!.expected['probs']).toMatchObject({ kind: 'values' })
    expect(await selfTestFailures(m, await readFile(pkg.onnxPath))).toEqual([])
    expect(m.training).toMatchObject({ parent: null, library: 'edgefleet-test (ONNX export)', data: expect.stringMatching(/imported from tabular.onnx/) })
  })
  it('reads a logits model as a classifier when labels are given, and a JSONL reference', async () => {
    const report = await importModel({ model: join(dir, 'logits.onnx'), spec: parseImportSpec({ name: 'logits', labels: ['no', 'yes'], input: { features: ['a', 'b', 'c'] } }), reference: join(dir, 'reference.jsonl'), outDir: join(dir, 'out', 'logits') })
    expect(report.outputs[0]).toMatchObject({ name: 'logits', role: 'logits' })
    expect(report.referenceSamples).toBe(39)
    const m = (await readPackage(report.dir)).manifest
    expect(m.reference.outputs.confidenceProportions!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9)
  })
  it('takes a headerless reference file\'s columns as the features in order', async () => {
    await writeFile(join(dir, 'headerless.csv'), '0.1,0.2,0.3\n-1,2,0.5\n0.7,-0.2,0.1\n')
    const report = await importModel({ model: join(dir, 'tabular.onnx'), spec: parseImportSpec({ name: 'bare', input: { features: ['p', 'q', 'r'] } }), reference: join(dir, 'headerless.csv'), outDir: join(dir, 'out', 'bare') })
    expect(report.referenceSamples).toBe(3)
    expect(report.notes.join('\n')).toMatch(/has no header: its 3 columns taken as the features in order/)
  })
  it('refuses a feature list that does not fit the input, naming the step', async () => {
    const err = await refusal(importModel({ model: join(dir, 'tabular.onnx'), spec: parseImportSpec({ name: 'x', input: { features: ['a', 'b'] } }), outDir: join(dir, 'out', 'x') }))
    expect(err).toMatchObject({ code: 'IMPORT_SPEC_MISMATCH', step: 'plan-input' })
    expect(err.message).toMatch(/^plan-input: 2 feature names for input x float32 \[batch, 3\]/)
  })
  it('refuses a reference CSV whose feature column holds text', async () => {
    await writeFile(join(dir, 'text.csv'), 'a,b,c\n1,2,3\n4,five,6\n')
    const err = await refusal(importModel({ model: join(dir, 'tabular.onnx'), spec: parseImportSpec({ name: 'x' }), reference: join(dir, 'text.csv'), outDir: join(dir, 'out', 'x') }))
    expect(err).toMatchObject({ code: 'IMPORT_REFERENCE_INVALID', message: expect.stringMatching(/column "b" holds text \("five" at .*text.csv:3\)/) })
  })
})

describe('importModel refuses files that cannot serve', () => {
  it('reports the runtime\'s own reason for an operator onnxruntime-web lacks', async () => {
    const err = await refusal(importModel({ model: join(dir, 'custom.onnx'), spec: parseImportSpec({ name: 'x' }), outDir: join(dir, 'out', 'x') }))
    expect(err).toMatchObject({ code: 'IMPORT_LOAD_FAILED', step: 'inspect' })
    expect(err.message).toMatch(/cannot load .*custom.onnx: .*Frobnicate/)
  })
  it('says a file is not ONNX, or not there', async () => {
    expect(await refusal(importModel({ model: join(dir, 'not-onnx.onnx'), spec: parseImportSpec({ name: 'x' }), outDir: join(dir, 'out', 'x') }))).toMatchObject({ code: 'IMPORT_MODEL_UNREADABLE', message: expect.stringMatching(/is not an ONNX model/) })
    expect(await refusal(importModel({ model: join(dir, 'missing.onnx'), spec: parseImportSpec({ name: 'x' }), outDir: join(dir, 'out', 'x') }))).toMatchObject({ code: 'IMPORT_MODEL_UNREADABLE' })
  })
})

describe('importModel on an image classifier', () => {
  it('takes image statistics over the frames as drift features and the predictions as output reference', async () => {
    const report = await importModel({
      model: join(dir, 'colour.onnx'),
      spec: parseImportSpec({ name: 'colour', labels: ['red', 'green', 'blue'], topK: 2, input: { image: { augment: false } } }),
      reference: join(dir, 'frames'),
      outDir: join(dir, 'out', 'colour'),
    })
    const m = (await readPackage(report.dir)).manifest
    expect(m.task).toBe('classification')
    expect(m.inputs[0]).toMatchObject({ kind: 'image', shape: ['batch', 3, 16, 16], preprocessing: { type: 'image', width: 16, height: 16, layout: 'nchw', channels: 'rgb', scale: 1 / 255 } })
    expect(m.postprocessing).toEqual({ type: 'classification', topK: 2 })
    expect(m.reference.sampleCount).toBe(5)
    expect(m.reference.features.map((f) => f.name)).toEqual([...IMAGE_STATISTICS])
    expect(m.reference.outputs.classDistribution).toEqual([0.6, 0.2, 0.2])
    expect(m.selfTest.vectors.map((v) => v.inputs['image']!.kind)).toEqual(['uniform', 'constant'])
    expect(m.drift).toEqual({ windowSamples: 30, windowSeconds: 60 })
  })
  it('refuses a folder of images for a tabular model', async () => {
    const err = await refusal(importModel({ model: join(dir, 'tabular.onnx'), spec: parseImportSpec({ name: 'x' }), reference: join(dir, 'frames'), outDir: join(dir, 'out', 'x') }))
    expect(err).toMatchObject({ code: 'IMPORT_REFERENCE_INVALID', message: expect.stringMatching(/folder of images, but the model's input is tabular/) })
  })
})
