import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { InferenceSession } from 'onnxruntime-web'
import { fingerprint, selfTestInputValues, type Manifest, type SelfTestInput } from '@edgefleet/protocol'
import { DataDirError, dataPaths, requireDataPath, resolveDataDir } from '../../data/data-dir.ts'
import { ModelBuildError } from '../../errors.ts'
import { shippedPackageDir } from '../../package/shipped.ts'
import { writePackage } from '../../package/write-package.ts'
import { STAMP_FILE, computeStamp } from '../build-stamp.ts'
import { DEFAULT_SEED, type BuildOptions, type BuildReport } from '../build-types.ts'
import { assertSelfTestPasses } from '../onnx/check-self-test.ts'
import { createOrtSession, runFloat } from '../onnx/ort-session.ts'
import { readOpset } from '../onnx/read-opset.ts'
import {
  ULTRAFACE_FILE, ULTRAFACE_INPUT, ULTRAFACE_NAME, ULTRAFACE_OUTPUTS, ULTRAFACE_POSTPROCESSING, ULTRAFACE_PREPROCESSING, ultrafaceManifest,
} from './ultraface-manifest.ts'
import { REFERENCE_SET_ID, facePhotos, ultrafaceReference } from './ultraface-reference.ts'

const SELF_TEST_TOLERANCE = 1e-3

function ultrafaceFiles(dataDir?: string): { onnx: string; license: string } {
  const dir = requireDataPath(dataPaths(resolveDataDir(dataDir)).ultraface, 'the UltraFace model')
  const onnx = join(dir, ULTRAFACE_FILE)
  const license = join(dir, 'LICENSE')
  for (const p of [onnx, license]) if (!existsSync(p)) throw new DataDirError(`${p} is missing: the ultraface build needs ${ULTRAFACE_FILE} and its LICENSE; fetch the data again`)
  return { onnx, license }
}

/** The stamp an ultraface build with these options would write: the model, its licence and every reference photo. */
export async function ultrafaceStamp(o: BuildOptions = {}): Promise<string> {
  const files = ultrafaceFiles(o.dataDir)
  return computeStamp(ULTRAFACE_NAME, [files.onnx, files.license, ...facePhotos(o.dataDir)], { seed: o.seed ?? DEFAULT_SEED, reference: REFERENCE_SET_ID })
}

/**
 * Builds the `ultraface` package around the upstream pretrained RFB-320 detector: checks its graph
 * inputs and outputs with onnxruntime-web, computes self-test fingerprints and reference statistics
 * (image and detection statistics over views of the face photos, `ultraface-reference.ts`), and writes
 * the package with the upstream MIT LICENSE beside the model.
 */
export async function buildUltraface(o: BuildOptions = {}): Promise<BuildReport> {
  const seed = o.seed ?? DEFAULT_SEED
  const files = ultrafaceFiles(o.dataDir)
  const photos = facePhotos(o.dataDir)
  const stamp = await ultrafaceStamp(o)
  o.onProgress?.({ stage: 'load', done: 0, total: 1, message: ULTRAFACE_FILE })
  const onnx = new Uint8Array(await readFile(files.onnx))
  const session = await createOrtSession(onnx)
  let selfTest: Manifest['selfTest']
  let reference: Manifest['reference']
  try {
    checkSignature(session)
    o.onProgress?.({ stage: 'self-test', done: 0, total: 2 })
    const inputs: SelfTestInput[] = [{ kind: 'uniform', seed: seed >>> 0, min: -1, max: 1 }, { kind: 'constant', value: 0 }]
    const vectors: Manifest['selfTest']['vectors'] = []
    const size = ULTRAFACE_INPUT.shape.reduce<number>((a, b) => a * b, 1)
    for (const [i, input] of inputs.entries()) {
      const out = await runFloat(session, { [ULTRAFACE_INPUT.name]: { data: selfTestInputValues(input, size), dims: ULTRAFACE_INPUT.shape } })
      vectors.push({ inputs: { [ULTRAFACE_INPUT.name]: input }, expected: Object.fromEntries(ULTRAFACE_OUTPUTS.map((x) => [x.name, fingerprint(out[x.name]!)])) })
      o.onProgress?.({ stage: 'self-test', done: i + 1, total: inputs.length })
    }
    selfTest = { tolerance: SELF_TEST_TOLERANCE, vectors }
    const run = { session, photos, inputName: ULTRAFACE_INPUT.name, pre: ULTRAFACE_PREPROCESSING, post: ULTRAFACE_POSTPROCESSING }
    reference = await ultrafaceReference(o.onProgress ? { ...run, onProgress: o.onProgress } : run)
  } finally {
    await session.release()
  }
  const manifest = ultrafaceManifest(onnx, readOpset(onnx), selfTest, reference)
  o.onProgress?.({ stage: 'verify', done: 0, total: 1, message: 'self-test' })
  await assertSelfTestPasses(manifest, onnx)
  const dir = o.outDir ?? shippedPackageDir(ULTRAFACE_NAME)
  o.onProgress?.({ stage: 'write', done: 0, total: 1 })
  await writePackage(dir, manifest, onnx, { extraFiles: { LICENSE: await readFile(files.license), [STAMP_FILE]: `${stamp}\n` } })
  o.onProgress?.({ stage: 'write', done: 1, total: 1 })
  return { name: manifest.name, version: manifest.version, dir, sha256: manifest.model.sha256, metrics: {}, evaluations: [] }
}

/** Refuses a model whose graph inputs or outputs are not the ones the manifest declares. */
function checkSignature(session: InferenceSession): void {
  const describe = (meta: readonly InferenceSession.ValueMetadata[]): string =>
    meta.map((m) => (m.isTensor ? `${m.name} ${m.type} [${m.shape.join(',')}]` : `${m.name} (not a tensor)`)).join('; ')
  const expected = (list: readonly { name: string; shape: readonly number[] }[]): string => list.map((x) => `${x.name} float32 [${x.shape.join(',')}]`).join('; ')
  const got = { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) }
  const want = { inputs: expected([ULTRAFACE_INPUT]), outputs: expected(ULTRAFACE_OUTPUTS) }
  if (got.inputs !== want.inputs || got.outputs !== want.outputs) {
    throw new ModelBuildError('BUILD_MODEL_UNEXPECTED', `${ULTRAFACE_FILE} has inputs ${got.inputs} and outputs ${got.outputs}; expected inputs ${want.inputs} and outputs ${want.outputs}. Use the upstream RFB-320 file`)
  }
}
