import type { InferenceSession } from 'onnxruntime-web'
import { fingerprint, selfTestInputValues, type ImagePreprocessing, type Manifest, type ManifestInput, type SelfTestExpected, type SelfTestInput } from '@edgefleet/protocol'
import { runFloat } from '../build/onnx/ort-session.ts'
import { ImportError } from '../errors.ts'
import { firstNonFinite } from './run-model.ts'

/** Outputs up to this many elements are stored value by value; larger ones as a fingerprint. */
export const LITERAL_OUTPUT_LIMIT = 256

/** The expectation of one output: its values, or a fingerprint when it is large. */
export function expectedOf(values: Float32Array): SelfTestExpected {
  return values.length <= LITERAL_OUTPUT_LIMIT ? { kind: 'values', values: Array.from(values) } : fingerprint(values)
}

/** Concrete dimensions of a manifest shape with dynamic dimensions set to 1, as the agent's self-test runs it. */
export function selfTestDims(shape: ManifestInput['shape']): number[] {
  return shape.map((d) => (typeof d === 'number' ? d : 1))
}

/** Runs one vector and records every output the manifest names. */
async function vector(session: InferenceSession, input: ManifestInput, spec: SelfTestInput, outputs: readonly string[]): Promise<Manifest['selfTest']['vectors'][number]> {
  const dims = selfTestDims(input.shape)
  const data = selfTestInputValues(spec, dims.reduce((a, b) => a * b, 1))
  const out = await runFloat(session, { [input.name]: { data, dims } })
  const expected: Record<string, SelfTestExpected> = {}
  for (const name of outputs) {
    const values = out[name]
    if (!values) throw new ImportError('IMPORT_SELF_TEST_FAILED', `the model gave no output ${name} on a self-test input`)
    const bad = firstNonFinite(values)
    if (bad >= 0) throw new ImportError('IMPORT_SELF_TEST_FAILED', `output ${name} is ${values[bad]} at element ${bad} for a self-test input (${spec.kind}): the model is broken, or needs inputs in another range (check the preprocessing)`)
    expected[name] = expectedOf(values)
  }
  return { inputs: { [input.name]: spec }, expected }
}

/**
 * Self-test vectors from real reference rows (tabular models): up to `count` rows spread over the
 * reference, each the already-preprocessed tensor the graph takes, so the test checks the model file
 * and the runtime, not the agent's standardisation.
 */
export async function rowSelfTest(session: InferenceSession, input: ManifestInput, outputs: readonly string[], x: Float32Array, rows: number, count: number): Promise<Manifest['selfTest']['vectors']> {
  const width = x.length / rows
  const picked = [...new Set(Array.from({ length: Math.min(count, rows) }, (_, k) => Math.floor((k * rows) / Math.min(count, rows))))]
  const vectors: Manifest['selfTest']['vectors'] = []
  for (const r of picked) vectors.push(await vector(session, input, { kind: 'values', values: Array.from(x.subarray(r * width, (r + 1) * width)) }, outputs))
  return vectors
}

/**
 * Self-test vectors from generated inputs (image models, whose frames are too large to store, and
 * tabular models without reference data): seeded uniform values over the input's range, and a constant
 * at the middle of it. Outputs are fingerprinted when large.
 */
export async function generatedSelfTest(session: InferenceSession, input: ManifestInput, outputs: readonly string[], seed: number): Promise<Manifest['selfTest']['vectors']> {
  const [min, max] = inputRange(input.preprocessing)
  const specs: SelfTestInput[] = [{ kind: 'uniform', seed: seed >>> 0, min, max }, { kind: 'constant', value: (min + max) / 2 }]
  const vectors: Manifest['selfTest']['vectors'] = []
  for (const spec of specs) vectors.push(await vector(session, input, spec, outputs))
  return vectors
}

/** The range of the model's input values: pixels 0..255 after image normalisation, or −1..1 (standardised features). */
export function inputRange(pre: ManifestInput['preprocessing']): [number, number] {
  if (pre.type !== 'image') return [-1, 1]
  const image: ImagePreprocessing = pre
  const ends = image.mean.flatMap((mean, k) => {
    const std = image.std.length === 1 ? image.std[0]! : image.std[k]!
    return [(0 * image.scale - mean) / std, (255 * image.scale - mean) / std]
  })
  return [Math.min(...ends), Math.max(...ends)]
}
