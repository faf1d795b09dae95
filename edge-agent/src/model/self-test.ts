import { compareSelfTestOutput, fingerprint, selfTestInputValues, type Manifest, type SelfTestExpected } from '@edgefleet/protocol'
import type { TensorData } from '../backends/backend.ts'
import { AgentError } from '../errors.ts'

/** Concrete dimensions of a manifest shape, with every dynamic dimension set to `dynamic`. */
export function concreteDims(shape: Manifest['inputs'][number]['shape'], dynamic = 1): number[] {
  return shape.map((d) => (typeof d === 'number' ? d : dynamic))
}

export interface SelfTestResult {
  vectors: number
  /** largest absolute difference from an expected element (fingerprints: their first elements, min and max) */
  maxAbsDiff: number
}

/**
 * What the self-test runs on: a Node backend, or (browser agent) a session on one execution provider.
 * Browser-safe: this file imports nothing from Node.
 */
export interface SelfTestTarget {
  /** named in a failure: `wasm`, `native`, `webgpu` */
  readonly kind: string
  run(feeds: Readonly<Record<string, TensorData>>): Promise<Record<string, { data: Float32Array }>>
}

/** The inputs of self-test vector `index`, every dynamic dimension set to 1. */
export function selfTestFeeds(manifest: Manifest, index: number): Record<string, TensorData> {
  const vector = manifest.selfTest.vectors[index]!
  const feeds: Record<string, TensorData> = {}
  for (const input of manifest.inputs) {
    const spec = vector.inputs[input.name]
    if (!spec) throw new AgentError('MODEL_SELF_TEST_FAILED', `self-test vector ${index} has no value for input ${input.name}`, { step: 'self-test' })
    const dims = concreteDims(input.shape)
    feeds[input.name] = { data: selfTestInputValues(spec, dims.reduce((a, b) => a * b, 1)), dims }
  }
  return feeds
}

/**
 * Runs every self-test vector of the manifest on `target` and compares the outputs. Throws
 * MODEL_SELF_TEST_FAILED naming the vector, the output, what differs, and `advice` (what to do).
 */
export async function runSelfTest(
  manifest: Manifest,
  target: SelfTestTarget,
  advice = 'the model file or runtime does not behave as the package was built; rebuild the package or try another --backend',
): Promise<SelfTestResult> {
  const { tolerance, vectors } = manifest.selfTest
  let maxAbsDiff = 0
  for (const index of vectors.keys()) {
    const outputs = await target.run(selfTestFeeds(manifest, index))
    for (const [name, expected] of Object.entries(vectors[index]!.expected)) {
      const actual = outputs[name]
      if (!actual) throw new AgentError('MODEL_SELF_TEST_FAILED', `self-test vector ${index}: the model has no output ${name}`, { step: 'self-test' })
      const problem = compareSelfTestOutput(expected, actual.data, tolerance)
      if (problem) throw new AgentError('MODEL_SELF_TEST_FAILED', `self-test vector ${index}, output ${name} ${problem} on the ${target.kind} backend: ${advice}`, { step: 'self-test' })
      maxAbsDiff = Math.max(maxAbsDiff, largestDifference(expected, actual.data))
    }
  }
  return { vectors: vectors.length, maxAbsDiff }
}

function largestDifference(expected: SelfTestExpected, actual: Float32Array): number {
  let max = 0
  if (expected.kind === 'values') {
    for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected.values[i]!))
    return max
  }
  const got = fingerprint(actual)
  for (let i = 0; i < expected.head.length; i++) max = Math.max(max, Math.abs(got.head[i]! - expected.head[i]!))
  return Math.max(max, Math.abs(got.min - expected.min), Math.abs(got.max - expected.max))
}
