import { compareSelfTestOutput, selfTestInputValues, type Manifest } from '@edgefleet/protocol'
import { ModelBuildError } from '../../errors.ts'
import { createOrtSession, runFloat, type FloatTensor } from './ort-session.ts'

/**
 * Runs every self-test vector of `manifest` on `onnx` with onnxruntime-web, as an agent would (dynamic
 * dimensions set to 1), and returns what failed, one line each; an empty list means the self-test passes.
 */
export async function selfTestFailures(manifest: Manifest, onnx: Uint8Array): Promise<string[]> {
  const session = await createOrtSession(onnx)
  const failures: string[] = []
  try {
    for (const [i, vector] of manifest.selfTest.vectors.entries()) {
      const feeds: Record<string, FloatTensor> = {}
      for (const input of manifest.inputs) {
        const dims = input.shape.map((d) => (typeof d === 'number' ? d : 1))
        const spec = vector.inputs[input.name]
        if (!spec) {
          failures.push(`vector ${i} has no value for input ${input.name}`)
          continue
        }
        feeds[input.name] = { data: selfTestInputValues(spec, dims.reduce((a, b) => a * b, 1)), dims }
      }
      if (Object.keys(feeds).length !== manifest.inputs.length) continue
      const outputs = await runFloat(session, feeds)
      for (const [name, expected] of Object.entries(vector.expected)) {
        const actual = outputs[name]
        const problem = actual ? compareSelfTestOutput(expected, actual, manifest.selfTest.tolerance) : 'is not an output of the model'
        if (problem) failures.push(`vector ${i}, output ${name}: ${problem}`)
      }
    }
  } finally {
    await session.release()
  }
  return failures
}

/** Throws a ModelBuildError `BUILD_SELF_TEST_FAILED` when the package would fail its own self-test. */
export async function assertSelfTestPasses(manifest: Manifest, onnx: Uint8Array): Promise<void> {
  const failures = await selfTestFailures(manifest, onnx)
  if (failures.length > 0) {
    throw new ModelBuildError('BUILD_SELF_TEST_FAILED', `${manifest.name}@${manifest.version} fails its own self-test: ${failures.slice(0, 3).join('; ')}`)
  }
}
