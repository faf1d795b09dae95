import { join } from 'node:path'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepareFrame } from '../camera/prepare-frame.ts'
import { createOrtSession, runFloat } from '../build/onnx/ort-session.ts'
import { dataPaths, resolveDataDir } from '../data/data-dir.ts'
import { readPackage } from '../package/read-package.ts'
import { shippedPackageDir } from '../package/shipped.ts'
import type { ModelPackage } from '../package/model-package.ts'
import { makeTempDir } from '../package/test-fixture.ts'
import { decodeDetections } from '../vision/decode-detections.ts'
import { importModel } from './import-model.ts'
import { parseImportSpec } from './import-spec.ts'

// The slim UltraFace file of the data directory: pretrained upstream, shipped by nobody yet
const paths = dataPaths(resolveDataDir())
let pkg: ModelPackage
let cleanup: () => Promise<void>
beforeAll(async () => {
  const tmp = await makeTempDir('edgefleet-import-uf-')
  cleanup = tmp.cleanup
  const spec = parseImportSpec({
    name: 'ultraface-slim', license: 'MIT', labels: ['background', 'face'],
    input: { image: { mean: [127, 127, 127], std: [128, 128, 128], scale: 1 } },
    detection: { scoreThreshold: 0.7, iouThreshold: 0.3, maxDetections: 200 },
  })
  const report = await importModel({ model: join(paths.ultraface, 'version-slim-320.onnx'), spec, reference: paths.faces, outDir: join(tmp.dir, 'pkg') })
  pkg = await readPackage(report.dir)
})
afterAll(() => cleanup?.())

describe('importing the slim UltraFace detector', () => {
  it('describes it as the hand-written ultraface build describes its sibling', async () => {
    // the shipped package of the upstream RFB-320 file, built by the suite's global setup
    const shipped = (await readPackage(shippedPackageDir('ultraface'))).manifest
    const m = pkg.manifest
    expect(m.task).toBe('detection')
    expect(m.inputs).toEqual(shipped.inputs)
    expect(m.outputs).toEqual(shipped.outputs)
    expect(m.postprocessing).toEqual(shipped.postprocessing)
    expect(m.reference.features.map((f) => f.name)).toEqual(shipped.reference.features.map((f) => f.name))
    expect(m.reference.sampleCount).toBe(shipped.reference.sampleCount)
    expect(m.reference.outputs.meanDetections).toBeGreaterThan(1)
  })
  it('finds the one face of 5.jpg through the camera path', async () => {
    const pre = pkg.manifest.inputs[0]!.preprocessing
    const post = pkg.manifest.postprocessing
    if (pre.type !== 'image' || post.type !== 'detection') throw new Error('expected an image detector')
    const session = await createOrtSession(new Uint8Array(await readFile(pkg.onnxPath)))
    try {
      const frame = await prepareFrame(join(paths.faces, '5.jpg'), pre)
      const out = await runFloat(session, { input: { data: frame.tensor, dims: frame.dims } })
      const found = decodeDetections(out['scores']!, out['boxes']!, post, frame.transform, pkg.manifest.outputs[0]!.labels)
      expect(found.detections).toHaveLength(1)
      expect(found.detections[0]!.label).toBe('face')
    } finally {
      await session.release()
    }
  })
})
