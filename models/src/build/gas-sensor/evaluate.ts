import type { InferenceSession } from 'onnxruntime-web'
import type { Evaluation, Manifest } from '@edgefleet/protocol'
import { accuracy, argmaxRows, macroF1 } from '../classification-metrics.ts'
import { classifierSelfTest } from '../classifier-self-test.ts'
import { runFloat } from '../onnx/ort-session.ts'
import { GAS_FEATURE_COUNT, GAS_LABELS } from './load-batch.ts'
import { GAS_IO } from './train-and-export.ts'

/** Runs the exported model on standardised rows; returns its probabilities (row-major, 6 per row). */
export async function predictGas(session: InferenceSession, x: Float32Array): Promise<Float32Array> {
  const rows = x.length / GAS_FEATURE_COUNT
  const out = await runFloat(session, { [GAS_IO.inputName]: { data: x, dims: [rows, GAS_FEATURE_COUNT] } })
  return out[GAS_IO.outputName]!
}

/** Accuracy and macro-F1 of `probabilities` against `truth`, as a manifest evaluation of `dataset`. */
export function evaluation(dataset: string, truth: Int32Array, probabilities: Float32Array): Evaluation {
  const predicted = argmaxRows(probabilities, GAS_LABELS.length)
  return { dataset, samples: truth.length, accuracy: accuracy(truth, predicted), macroF1: macroF1(truth, predicted, GAS_LABELS.length) }
}

/** Number of self-test vectors in the gas-sensor manifest. */
export const GAS_SELF_TEST_VECTORS = 4
/** Per-element tolerance of the gas-sensor self-test. */
export const GAS_SELF_TEST_TOLERANCE = 1e-4

/** Self-test vectors from real (standardised) holdout rows, one per class for the first classes present ({@link classifierSelfTest}). */
export async function gasSelfTest(session: InferenceSession, xHoldout: Float32Array, yHoldout: Int32Array): Promise<Manifest['selfTest']> {
  return classifierSelfTest(session, xHoldout, yHoldout, {
    io: GAS_IO,
    width: GAS_FEATURE_COUNT,
    classCount: GAS_LABELS.length,
    vectors: GAS_SELF_TEST_VECTORS,
    tolerance: GAS_SELF_TEST_TOLERANCE,
  })
}
