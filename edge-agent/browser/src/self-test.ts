import { compareSelfTestOutput, fingerprint, selfTestInputValues, type Manifest, type SelfTestExpected } from '@edgefleet/protocol'
import { AgentError } from '../../src/errors.ts'
import type { Feed, ModelSession } from './ort-session.ts'

/** How a session did on the manifest's self-test vectors. */
export interface SelfTestResult {
  vectors: number
  /** largest absolute difference from an expected element (fingerprints: their first elements, min and max) */
  maxAbsDiff: number
}

/**
 * Runs every self-test vector of the manifest on `session` and compares its outputs with the expected
 * ones (as the Node agent's self-test does). MODEL_SELF_TEST_FAILED names the vector, output and difference.
 */
export async function runSelfTest(manifest: Manifest, session: ModelSession): Promise<SelfTestResult> {
  const { tolerance, vectors } = manifest.selfTest
  let maxAbsDiff = 0
  for (const [index, vector] of vectors.entries()) {
    const outputs = await session.run(feedsOf(manifest, index))
    for (const [name, expected] of Object.entries(vector.expected)) {
      const actual = outputs[name]
      if (!actual) throw new AgentError('MODEL_SELF_TEST_FAILED', `self-test vector ${index}: the model has no output ${name}`, { step: 'self-test' })
      const problem = compareSelfTestOutput(expected, actual, tolerance)
      if (problem) throw new AgentError('MODEL_SELF_TEST_FAILED', `vector ${index}, output ${name} ${problem}`, { step: 'self-test' })
      maxAbsDiff = Math.max(maxAbsDiff, largestDifference(expected, actual))
    }
  }
  return { vectors: vectors.length, maxAbsDiff }
}

/** The time of one run of the first self-test vector, ms: run after the self-test, so shaders and caches are warm. */
export async function timeOneRun(manifest: Manifest, session: ModelSession): Promise<number> {
  const feeds = feedsOf(manifest, 0)
  const t0 = performance.now()
  await session.run(feeds)
  return performance.now() - t0
}

function feedsOf(manifest: Manifest, index: number): Record<string, Feed> {
  const vector = manifest.selfTest.vectors[index]!
  const feeds: Record<string, Feed> = {}
  for (const input of manifest.inputs) {
    const spec = vector.inputs[input.name]
    if (!spec) throw new AgentError('MODEL_SELF_TEST_FAILED', `self-test vector ${index} has no value for input ${input.name}`, { step: 'self-test' })
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : 1))
    feeds[input.name] = { data: selfTestInputValues(spec, dims.reduce((a, b) => a * b, 1)), dims }
  }
  return feeds
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
