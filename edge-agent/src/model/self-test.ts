import { compareSelfTestOutput, selfTestInputValues, type Manifest } from '@edgefleet/protocol'
import type { InferenceBackend, TensorData } from '../backends/backend.ts'
import { AgentError } from '../errors.ts'

/** Concrete dimensions of a manifest shape, with every dynamic dimension set to `dynamic`. */
export function concreteDims(shape: Manifest['inputs'][number]['shape'], dynamic = 1): number[] {
  return shape.map((d) => (typeof d === 'number' ? d : dynamic))
}

export interface SelfTestResult {
  vectors: number
  /** largest absolute difference seen on element-wise (`values`) expectations */
  maxAbsDiff: number
}

/**
 * Runs every self-test vector of the manifest on the backend and compares the outputs.
 * Throws MODEL_SELF_TEST_FAILED naming the vector, the output and what differs.
 */
export async function runSelfTest(manifest: Manifest, backend: InferenceBackend): Promise<SelfTestResult> {
  const { tolerance, vectors } = manifest.selfTest
  let maxAbsDiff = 0
  for (const [index, vector] of vectors.entries()) {
    const feeds: Record<string, TensorData> = {}
    for (const input of manifest.inputs) {
      const spec = vector.inputs[input.name]
      if (!spec) throw new AgentError('MODEL_SELF_TEST_FAILED', `self-test vector ${index} has no value for input ${input.name}`, { step: 'self-test' })
      const dims = concreteDims(input.shape)
      feeds[input.name] = { data: selfTestInputValues(spec, dims.reduce((a, b) => a * b, 1)), dims }
    }
    const outputs = await backend.run(feeds)
    for (const [name, expected] of Object.entries(vector.expected)) {
      const actual = outputs[name]
      if (!actual) throw new AgentError('MODEL_SELF_TEST_FAILED', `self-test vector ${index}: the model has no output ${name}`, { step: 'self-test' })
      const problem = compareSelfTestOutput(expected, actual.data, tolerance)
      if (problem) {
        throw new AgentError(
          'MODEL_SELF_TEST_FAILED',
          `self-test vector ${index}, output ${name} ${problem} on the ${backend.kind} backend: the model file or runtime does not behave as the package was built; rebuild the package or try another --backend`,
          { step: 'self-test' },
        )
      }
      if (expected.kind === 'values') {
        for (let i = 0; i < actual.data.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(actual.data[i]! - expected.values[i]!))
      }
    }
  }
  return { vectors: vectors.length, maxAbsDiff }
}
