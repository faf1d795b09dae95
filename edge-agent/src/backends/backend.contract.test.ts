import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { dataPaths, readPackage, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSelfTest } from '../model/self-test.ts'
import { TabularModel } from '../model/tabular.ts'
import type { BackendKind, InferenceBackend } from './backend.ts'
import { availableBackends, createBackend } from './select.ts'

/** The same contract for every backend, on the real gas-sensor model and real readings. */
const KINDS: BackendKind[] = ['wasm', 'native']

let onnx: Uint8Array
let manifest: Awaited<ReturnType<typeof readPackage>>['manifest']
let rows: Float64Array[]

beforeAll(async () => {
  const pkg = await readPackage(shippedPackageDir('gas-sensor'))
  manifest = pkg.manifest
  onnx = readFileSync(pkg.onnxPath)
  const csv = readFileSync(join(dataPaths(resolveDataDir()).gasSensor, 'batch5.csv'), 'utf8').split('\n').filter(Boolean)
  rows = csv.slice(0, 64).map((line) => Float64Array.from(line.split(',').slice(2), Number))
})

async function predictAll(model: TabularModel, batchSize: number): Promise<Float32Array[]> {
  const out: Float32Array[] = []
  const buffer = model.allocate(batchSize)
  for (let start = 0; start < rows.length; start += batchSize) {
    const n = Math.min(batchSize, rows.length - start)
    for (let i = 0; i < n; i++) model.put(rows[start + i]!, buffer, i)
    const result = await model.run(buffer, n)
    for (let i = 0; i < n; i++) out.push(result.data.slice(i * result.width, (i + 1) * result.width))
  }
  return out
}

it('both backends load on this install (onnxruntime-node is an installed optional dependency)', async () => {
  expect(await availableBackends()).toEqual(['native', 'wasm'])
})

const results = new Map<BackendKind, Float32Array[]>()

describe.each(KINDS)('%s backend', (kind) => {
  let backend: InferenceBackend
  beforeAll(async () => {
    backend = await createBackend(kind, onnx)
  })
  afterAll(() => backend.close())

  it('reports its kind and the graph input and output names', () => {
    expect(backend.kind).toBe(kind)
    expect(backend.inputNames).toEqual([manifest.inputs[0]!.name])
    expect(backend.outputNames).toEqual([manifest.outputs[0]!.name])
  })

  it('reproduces the package self-test vectors', async () => {
    const r = await runSelfTest(manifest, backend)
    expect(r.vectors).toBe(manifest.selfTest.vectors.length)
    expect(r.maxAbsDiff).toBeLessThanOrEqual(manifest.selfTest.tolerance)
  })

  it('gives class probabilities per reading, identical at batch 1 and batch 64', async () => {
    const model = new TabularModel(manifest, backend)
    const single = await predictAll(model, 1)
    const batched = await predictAll(model, 64)
    expect(batched).toHaveLength(rows.length)
    for (let i = 0; i < rows.length; i++) {
      expect(batched[i]!.length).toBe(manifest.outputs[0]!.labels!.length)
      expect(batched[i]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
      for (let k = 0; k < batched[i]!.length; k++) expect(Math.abs(batched[i]![k]! - single[i]![k]!)).toBeLessThan(1e-5)
    }
    results.set(kind, batched)
  })

  it('refuses bytes that are not a model with MODEL_LOAD_FAILED', async () => {
    await expect(createBackend(kind, new TextEncoder().encode('not a model'))).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' })
  })
})

it('wasm and native agree on every real reading', () => {
  const wasm = results.get('wasm')!
  const native = results.get('native')!
  expect(wasm).toHaveLength(rows.length)
  for (let i = 0; i < rows.length; i++) {
    for (let k = 0; k < wasm[i]!.length; k++) expect(Math.abs(wasm[i]![k]! - native[i]![k]!)).toBeLessThan(1e-5)
  }
})
