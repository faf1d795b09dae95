import { copyFile, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fingerprint } from '@edgefleet/protocol'
import { prepareFrame } from '../../camera/prepare-frame.ts'
import { DataDirError, dataPaths, resolveDataDir } from '../../data/data-dir.ts'
import { decodeDetections, DETECTION_STATISTICS } from '../../vision/decode-detections.ts'
import { IMAGE_STATISTICS } from '../../vision/image-statistics.ts'
import { createOrtSession, runFloat } from '../onnx/ort-session.ts'
import { readPackage, verifyPackageDigest } from '../../package/read-package.ts'
import type { ModelPackage } from '../../package/model-package.ts'
import { makeTempDir } from '../../package/test-fixture.ts'
import { selfTestFailures } from '../onnx/check-self-test.ts'
import { buildUltraface, ultrafaceStamp } from './build-ultraface.ts'
import { REFERENCE_VIEWS } from './ultraface-reference.ts'

let pkg: ModelPackage
let cleanup: () => Promise<void>

beforeAll(async () => {
  const tmp = await makeTempDir()
  cleanup = tmp.cleanup
  tmpDir = tmp.dir
  await buildUltraface({ outDir: join(tmp.dir, 'package') })
  pkg = await readPackage(join(tmp.dir, 'package'))
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

describe('ultraface reference statistics', () => {
  it('covers every view of every face photo, image statistics then detection statistics', async () => {
    const photos = (await readdir(dataPaths(resolveDataDir()).faces)).filter((f) => f.endsWith('.jpg'))
    const ref = pkg.manifest.reference
    expect(REFERENCE_VIEWS).toHaveLength(26)
    expect(ref.sampleCount).toBe(photos.length * REFERENCE_VIEWS.length)
    expect(ref.sampleCount).toBeGreaterThanOrEqual(150)
    expect(ref.source).toMatch(/^data\/faces: 9 photos × 26 views/)
    expect(ref.features.map((f) => f.name)).toEqual([...IMAGE_STATISTICS, ...DETECTION_STATISTICS])
    for (const f of ref.features) {
      expect(f.missingRate, f.name).toBe(0)
      expect(f.max, f.name).toBeGreaterThan(f.min)
    }
    const byName = Object.fromEntries(ref.features.map((f) => [f.name, f]))
    expect(byName['mean_g']!.min).toBeGreaterThan(20)
    expect(byName['mean_g']!.max).toBeLessThan(235)
    expect(byName['top_score']!.max).toBeLessThanOrEqual(1)
    expect(byName['top_score']!.mean).toBeGreaterThan(0.9)
    expect(ref.outputs.meanDetections).toBeCloseTo(byName['detections']!.mean, 9)
    expect(ref.outputs.meanDetections).toBeGreaterThan(1)
  })

  it('sets drift windows for a camera', () => {
    expect(pkg.manifest.drift).toEqual({ windowSamples: 30, windowSeconds: 60 })
  })

  it('finds the faces in real photos through the camera path', async () => {
    const faces = dataPaths(resolveDataDir()).faces
    const input = pkg.manifest.inputs[0]!.preprocessing
    const post = pkg.manifest.postprocessing
    if (input.type !== 'image' || post.type !== 'detection') throw new Error('expected an image detector')
    const session = await createOrtSession(new Uint8Array(await readFile(pkg.onnxPath)))
    try {
      const detect = async (file: string) => {
        const frame = await prepareFrame(join(faces, file), input)
        const out = await runFloat(session, { input: { data: frame.tensor, dims: frame.dims } })
        return decodeDetections(out['scores']!, out['boxes']!, post, frame.transform, pkg.manifest.outputs[0]!.labels)
      }
      // 5.jpg: one person in the upper middle of the frame
      const single = await detect('5.jpg')
      expect(single.detections).toHaveLength(1)
      expect(single.detections[0]!.label).toBe('face')
      const [x1, y1, x2, y2] = single.detections[0]!.box
      expect(x1).toBeGreaterThan(0.4)
      expect(x2).toBeLessThan(0.75)
      expect(y1).toBeGreaterThan(0.05)
      expect(y2).toBeLessThan(0.6)
      // 8.jpg: a class photo of about fifty people
      expect((await detect('8.jpg')).detections.length).toBeGreaterThan(35)
    } finally {
      await session.release()
    }
  })
})

describe('ultrafaceStamp', () => {
  it('changes when a reference photo changes, and names the missing faces folder', async () => {
    const shared = resolveDataDir()
    const dataDir = join(tmpRoot(), 'data-copy')
    const paths = dataPaths(dataDir)
    await mkdir(join(dataDir, 'models'), { recursive: true })
    await symlink(dataPaths(shared).ultraface, paths.ultraface)
    await expect(ultrafaceStamp({ dataDir })).rejects.toThrow(DataDirError)
    await expect(ultrafaceStamp({ dataDir })).rejects.toThrow(/face photos/)
    await mkdir(paths.faces, { recursive: true })
    for (const f of await readdir(dataPaths(shared).faces)) await copyFile(join(dataPaths(shared).faces, f), join(paths.faces, f))
    const before = await ultrafaceStamp({ dataDir })
    expect(before).toBe(await ultrafaceStamp())
    await writeFile(join(paths.faces, '3.jpg'), Buffer.concat([await readFile(join(paths.faces, '3.jpg')), Buffer.from([0])]))
    expect(await ultrafaceStamp({ dataDir })).not.toBe(before)
  })
})

let tmpDir: string | undefined
function tmpRoot(): string {
  if (!tmpDir) throw new Error('the temp directory is made in beforeAll')
  return tmpDir
}

function vectors0Scores(): ReturnType<typeof fingerprint> {
  const e = pkg.manifest.selfTest.vectors[0]!.expected['scores']!
  if (e.kind !== 'fingerprint') throw new Error('expected a fingerprint')
  return e
}
