import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPackage, verifyPackageDigest } from '../../package/read-package.ts'
import type { ModelPackage } from '../../package/model-package.ts'
import { makeTempDir } from '../../package/test-fixture.ts'
import { binIndex } from '../../reference/bin-index.ts'
import type { BuildProgress, BuildReport } from '../build-types.ts'
import { selfTestFailures } from '../onnx/check-self-test.ts'
import { buildGasSensor } from './build-gas-sensor.ts'
import { GAS_LABELS } from './load-batch.ts'

let report: BuildReport
let pkg: ModelPackage
let cleanup: () => Promise<void>
const stages = new Set<string>()

beforeAll(async () => {
  const tmp = await makeTempDir()
  cleanup = tmp.cleanup
  report = await buildGasSensor({ outDir: tmp.dir, onProgress: (p: BuildProgress) => stages.add(p.stage) })
  pkg = await readPackage(tmp.dir)
})
afterAll(() => cleanup?.())

describe('buildGasSensor (full build on the real data)', () => {
  it('writes a package whose manifest validates and whose model matches its digest', async () => {
    await verifyPackageDigest(pkg)
    expect(pkg.manifest).toMatchObject({ name: 'gas-sensor', version: '1.0.0', task: 'classification' })
    expect(report.sha256).toBe(pkg.manifest.model.sha256)
    expect([...stages]).toEqual(expect.arrayContaining(['load', 'train', 'evaluate', 'verify', 'write']))
  })

  it('declares the tensors and the standardisation the agent needs', () => {
    const [input] = pkg.manifest.inputs
    expect(input).toMatchObject({ name: 'features', dtype: 'float32', shape: ['batch', 128], kind: 'tabular' })
    expect(input!.features?.[0]?.name).toBe('s01_dr')
    expect(input!.preprocessing.type).toBe('standardize')
    if (input!.preprocessing.type === 'standardize') {
      expect(input!.preprocessing.mean).toHaveLength(128)
      expect(input!.preprocessing.std.every((s) => s > 0)).toBe(true)
    }
    expect(pkg.manifest.outputs).toEqual([{ name: 'probabilities', dtype: 'float32', shape: ['batch', 6], role: 'probabilities', labels: [...GAS_LABELS] }])
  })

  it('classifies the holdout well and proves the export against TF.js', () => {
    expect(report.metrics['holdoutAccuracy']).toBeGreaterThanOrEqual(0.9)
    expect(report.metrics['exportMaxAbsDiff']).toBeLessThanOrEqual(1e-4)
    expect(pkg.manifest.training.metrics).toEqual(report.metrics)
  })

  it('evaluates every later batch separately', () => {
    const datasets = pkg.manifest.training.evaluations.map((e) => e.dataset)
    expect(datasets).toEqual(['gas-sensor-drift/batch1-2-holdout', ...[3, 4, 5, 6, 8, 9].map((b) => `gas-sensor-drift/batch${b}`)])
    for (const e of pkg.manifest.training.evaluations) {
      expect(e.samples).toBeGreaterThan(0)
      expect(e.accuracy).toBeGreaterThanOrEqual(0)
      expect(e.macroF1).toBeGreaterThanOrEqual(0)
    }
  })

  it('records reference statistics of the raw training features and the outputs', () => {
    const ref = pkg.manifest.reference
    expect(ref.features.map((f) => f.name).slice(0, 3)).toEqual(['s01_dr', 's01_dr_norm', 's01_ema_i_001'])
    expect(ref.features).toHaveLength(128)
    expect(ref.sampleCount).toBeGreaterThan(1000)
    // raw readings: ΔR of sensor 1 is in the thousands, not standardised
    expect(ref.features[0]!.mean).toBeGreaterThan(1000)
    expect(binIndex(ref.features[0]!.edges, ref.features[0]!.min)).toBe(1)
    expect(ref.outputs.classDistribution).toHaveLength(6)
    expect(ref.outputs.confidenceProportions).toHaveLength(10)
    expect(pkg.manifest.drift).toEqual({ windowSamples: 100, windowSeconds: 60 })
  })

  it('ships self-test vectors that pass when re-run through onnxruntime-web', async () => {
    expect(pkg.manifest.selfTest.vectors.length).toBeGreaterThanOrEqual(3)
    expect(pkg.manifest.selfTest.tolerance).toBe(1e-4)
    expect(await selfTestFailures(pkg.manifest, await readFile(pkg.onnxPath))).toEqual([])
  })

  it('describes the training data and lineage', () => {
    const t = pkg.manifest.training
    expect(t.library).toMatch(/^@tensorflow\/tfjs 4\.22\.\d+ \(cpu\)$/)
    expect(t.dataSha256).toMatch(/^[0-9a-f]{64}$/)
    expect(t).toMatchObject({ seed: 42, parent: null })
  })
})
