import * as tf from '@tensorflow/tfjs'
import { ModelBuildError } from '../errors.ts'
import { exportSequentialToOnnx } from './onnx/export-sequential.ts'
import { createOrtSession, runFloat } from './onnx/ort-session.ts'
import { buildMlp, fitSeeded, predictRows } from './train-classifier.ts'
import { useCpuBackend } from './tf-backend.ts'

/** Largest difference allowed between an ONNX export and TF.js on the check rows. */
export const EXPORT_TOLERANCE = 1e-4

/** Weights of one Dense layer: kernel row-major `[inputs, units]`, bias `[units]`. */
export interface DenseWeights {
  kernel: Float32Array
  bias: Float32Array
}

/** Everything {@link trainAndExportMlp} needs: the network, its training settings and the rows. */
export interface MlpTrainingSet {
  inputSize: number
  /** widths of the ReLU hidden layers */
  hidden: readonly number[]
  classCount: number
  batchSize: number
  learningRate: number
  /** graph input and output names of the export */
  io: { inputName: string; outputName: string }
  opset: number
  /** standardised training rows (row-major) and their classes */
  xTrain: Float32Array
  yTrain: Int32Array
  /** standardised rows the export is checked on against TF.js (the holdout) */
  xCheck: Float32Array
  seed: number
  epochs: number
  /** start from these weights (one entry per Dense layer) instead of the seeded initialisers */
  initialWeights?: readonly DenseWeights[]
  /** called after each epoch; throwing from it stops training between epochs */
  onEpoch?: (epoch: number, loss: number) => void
}

/** The exported model and the proof that it computes what TF.js computes. */
export interface MlpExport {
  onnx: Uint8Array
  /** max |ONNX − TF.js| over every probability of the check rows */
  exportMaxAbsDiff: number
  /** ONNX probabilities on the check rows (row-major, `classCount` per row) */
  checkProbabilities: Float32Array
  finalLoss: number
}

/**
 * Trains a softmax MLP with TF.js (cpu backend, seeded), exports it to ONNX and runs the export with
 * onnxruntime-web on the check rows. Throws a ModelBuildError `BUILD_EXPORT_MISMATCH` when it differs
 * from `model.predict` by more than {@link EXPORT_TOLERANCE}.
 */
export async function trainAndExportMlp(set: MlpTrainingSet): Promise<MlpExport> {
  await useCpuBackend()
  // initialisers use seed + 1.., the epoch shuffle seed + 100; callers' splits use `seed` itself
  const model = buildMlp({ inputSize: set.inputSize, hidden: set.hidden, classes: set.classCount, seed: set.seed + 1 })
  try {
    if (set.initialWeights) setDenseWeights(model, set.initialWeights)
    let finalLoss = Number.NaN
    await fitSeeded(model, set.xTrain, set.yTrain, set.classCount, {
      epochs: set.epochs,
      batchSize: set.batchSize,
      learningRate: set.learningRate,
      seed: set.seed + 100,
      onEpoch: (epoch, loss) => {
        finalLoss = loss
        set.onEpoch?.(epoch, loss)
      },
    })
    const onnx = exportSequentialToOnnx(model, { ...set.io, opset: set.opset })
    const { exportMaxAbsDiff, actual } = await verifyOnnxExport(model, onnx, set.io, set.xCheck, set.inputSize)
    return { onnx, exportMaxAbsDiff, checkProbabilities: actual, finalLoss }
  } finally {
    // compiled with an optimizer instance, so the model does not own (or dispose) the Adam state
    model.optimizer?.dispose()
    model.dispose()
  }
}

/**
 * Runs an export with onnxruntime-web on the check rows and compares it with TF.js `model.predict`.
 * Throws a ModelBuildError `BUILD_EXPORT_MISMATCH` when any output differs by more than
 * {@link EXPORT_TOLERANCE}; returns the largest difference and the ONNX outputs.
 */
export async function verifyOnnxExport(
  model: tf.LayersModel,
  onnx: Uint8Array,
  io: { inputName: string; outputName: string },
  xCheck: Float32Array,
  inputSize: number,
  tolerance = EXPORT_TOLERANCE,
): Promise<{ exportMaxAbsDiff: number; actual: Float32Array }> {
  const expected = predictRows(model, xCheck, inputSize)
  const session = await createOrtSession(onnx)
  let actual: Float32Array
  try {
    const rows = xCheck.length / inputSize
    actual = (await runFloat(session, { [io.inputName]: { data: xCheck, dims: [rows, inputSize] } }))[io.outputName]!
  } finally {
    await session.release()
  }
  let exportMaxAbsDiff = 0
  for (let i = 0; i < expected.length; i++) exportMaxAbsDiff = Math.max(exportMaxAbsDiff, Math.abs(actual[i]! - expected[i]!))
  if (!(exportMaxAbsDiff <= tolerance) || actual.length !== expected.length) {
    throw new ModelBuildError(
      'BUILD_EXPORT_MISMATCH',
      `the ONNX export differs from TF.js by up to ${exportMaxAbsDiff} on the holdout (allowed ${tolerance}): the exporter mistranslates a layer; do not ship this model`,
    )
  }
  return { exportMaxAbsDiff, actual }
}

function setDenseWeights(model: tf.Sequential, weights: readonly DenseWeights[]): void {
  if (weights.length !== model.layers.length) {
    throw new ModelBuildError('BUILD_MODEL_UNEXPECTED', `initial weights for ${weights.length} layers, but the network has ${model.layers.length}`)
  }
  model.layers.forEach((layer, i) => {
    const [kernel, bias] = layer.getWeights()
    const w = weights[i]!
    if (w.kernel.length !== kernel!.size || w.bias.length !== bias!.size) {
      throw new ModelBuildError('BUILD_MODEL_UNEXPECTED', `initial weights of layer ${i} have ${w.kernel.length} + ${w.bias.length} values, expected ${kernel!.size} + ${bias!.size}`)
    }
    const tensors = [tf.tensor(w.kernel, kernel!.shape), tf.tensor(w.bias, bias!.shape)]
    layer.setWeights(tensors)
    tf.dispose(tensors)
  })
}
