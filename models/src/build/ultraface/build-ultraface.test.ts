import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fingerprint } from '@edgefleet/protocol'
import { dataPaths, resolveDataDir } from '../../data/data-dir.ts'
import { readPackage, verifyPackageDigest } from '../../package/read-package.ts'
import type { ModelPackage } from '../../package/model-package.ts'
import { makeTempDir } from '../../package/test-fixture.ts'
import { selfTestFailures } from '../onnx/check-self-test.ts'
import { buildUltraface } from './build-ultraface.ts'

let pkg: ModelPackage
let cleanup: () => Promise<void>

beforeAll(async () => {
  const tmp = await makeTempDir()
  cleanup = tmp.cleanup
  await buildUltraface({ outDir: tmp.dir })
  pkg = await readPackage(tmp.dir)
})
afterAll(() => cleanup?.())

describe('buildUltraface', () => {
  it('wraps the upstream model unchanged, with its licence', async () => {
    await verifyPackageDigest(pkg)
    const upstream = await readFile(join(dataPaths(resolveDataDir()).ultraface, 'version-RFB-320.onnx'))
    expect((await readFile(pkg.onnxPath)).equals(upstream)).toBe(true)
    expect(await readFile(join(pkg.dir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/)
    expect(pkg.manifest).toMatchObject({ name: 'ultraface', version: '1.0.0', task: 'detection', license: 'MIT' })
  })

  it('declares the detector tensors, preprocessing and postprocessing', () => {
    expect(pkg.manifest.inputs).toEqual([
      {
        name: 'input', dtype: 'float32', shape: [1, 3, 240, 320], kind: 'image',
        preprocessing: { type: 'image', width: 320, height: 240, resize: 'stretch', channels: 'rgb', layout: 'nchw', scale: 1, mean: [127, 127, 127], std: [128, 128, 128] },
      },
    ])
    expect(pkg.manifest.outputs).toEqual([
      { name: 'scores', dtype: 'float32', shape: [1, 4420, 2], role: 'scores', labels: ['background', 'face'] },
      { name: 'boxes', dtype: 'float32', shape: [1, 4420, 4], role: 'boxes' },
    ])
    expect(pkg.manifest.postprocessing).toEqual({ type: 'detection', classIndex: 1, scoreThreshold: 0.7, iouThreshold: 0.3, maxDetections: 200, boxFormat: 'corner-normalized' })
    expect(pkg.manifest.training).toMatchObject({ parent: null, metrics: {}, evaluations: [] })
  })

  it('ships generated self-test inputs with fingerprints that reproduce', async () => {
    const { vectors, tolerance } = pkg.manifest.selfTest
    expect(tolerance).toBe(1e-3)
    expect(vectors.map((v) => v.inputs['input']!.kind)).toEqual(['uniform', 'constant'])
    expect(vectors[0]!.expected['scores']).toMatchObject({ kind: 'fingerprint', count: 8840 })
    expect(vectors[0]!.expected['boxes']).toMatchObject({ kind: 'fingerprint', count: 17680 })
    expect(await selfTestFailures(pkg.manifest, await readFile(pkg.onnxPath))).toEqual([])
  })

  it('has self-tests that notice a different model', async () => {
    const expected = vectors0Scores()
    const wrong = { ...pkg.manifest, selfTest: { ...pkg.manifest.selfTest, vectors: [{ ...pkg.manifest.selfTest.vectors[0]!, expected: { scores: { ...expected, sum: expected.sum + 50 } } }] } }
    const failures = await selfTestFailures(wrong, await readFile(pkg.onnxPath))
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatch(/sum is/)
  })
})

function vectors0Scores(): ReturnType<typeof fingerprint> {
  const e = pkg.manifest.selfTest.vectors[0]!.expected['scores']!
  if (e.kind !== 'fingerprint') throw new Error('expected a fingerprint')
  return e
}
