import { ModelBuildError } from '../../errors.ts'
import { exportSequentialToOnnx } from '../onnx/export-sequential.ts'
import { createOrtSession, runFloat } from '../onnx/ort-session.ts'
import { buildMlp, fitSeeded, predictRows } from '../train-classifier.ts'
import { useCpuBackend } from '../tf-backend.ts'
import { GAS_FEATURE_COUNT, GAS_LABELS } from './load-batch.ts'

/** Network shape and training settings of the shipped gas-sensor classifier. */
export const GAS_NETWORK = { hidden: [64, 32], batchSize: 64, learningRate: 1e-3, defaultEpochs: 40 } as const
/** Graph input and output names of the exported model. */
export const GAS_IO = { inputName: 'features', outputName: 'probabilities' } as const
export const GAS_OPSET = 17
/** Largest difference allowed between the ONNX export and TF.js on the holdout. */
export const EXPORT_TOLERANCE = 1e-4

/** Standardised training and holdout rows and their classes. */
export interface GasTrainingSet {
  xTrain: Float32Array
  yTrain: Int32Array
  xHoldout: Float32Array
  seed: number
  epochs: number
  onEpoch?: (epoch: number, loss: number) => void
}

/** The exported model and the proof that it computes what TF.js computes. */
export interface GasExport {
  onnx: Uint8Array
  /** max |ONNX − TF.js| over every holdout probability */
  exportMaxAbsDiff: number
  /** ONNX probabilities on the holdout rows (row-major, 6 per row) */
  holdoutProbabilities: Float32Array
  finalLoss: number
}

/**
 * Trains the MLP with TF.js (cpu backend, seeded), exports it to ONNX and runs the export with
 * onnxruntime-web on the holdout. Throws a ModelBuildError `BUILD_EXPORT_MISMATCH` when it differs from
 * `model.predict` by more than {@link EXPORT_TOLERANCE}.
 */
export async function trainAndExport(set: GasTrainingSet): Promise<GasExport> {
  await useCpuBackend()
  // initialisers use seed + 1.., the epoch shuffle seed + 100; the split used `seed` itself
  const model = buildMlp({ inputSize: GAS_FEATURE_COUNT, hidden: GAS_NETWORK.hidden, classes: GAS_LABELS.length, seed: set.seed + 1 })
  try {
    let finalLoss = Number.NaN
    await fitSeeded(model, set.xTrain, set.yTrain, GAS_LABELS.length, {
      epochs: set.epochs,
      batchSize: GAS_NETWORK.batchSize,
      learningRate: GAS_NETWORK.learningRate,
      seed: set.seed + 100,
      onEpoch: (epoch, loss) => {
        finalLoss = loss
        set.onEpoch?.(epoch, loss)
      },
    })
    const onnx = exportSequentialToOnnx(model, { ...GAS_IO, opset: GAS_OPSET })
    const expected = predictRows(model, set.xHoldout, GAS_FEATURE_COUNT)
    const session = await createOrtSession(onnx)
    let actual: Float32Array
    try {
      const rows = set.xHoldout.length / GAS_FEATURE_COUNT
      actual = (await runFloat(session, { [GAS_IO.inputName]: { data: set.xHoldout, dims: [rows, GAS_FEATURE_COUNT] } }))[GAS_IO.outputName]!
    } finally {
      await session.release()
    }
    let exportMaxAbsDiff = 0
    for (let i = 0; i < expected.length; i++) exportMaxAbsDiff = Math.max(exportMaxAbsDiff, Math.abs(actual[i]! - expected[i]!))
    if (!(exportMaxAbsDiff <= EXPORT_TOLERANCE) || actual.length !== expected.length) {
      throw new ModelBuildError(
        'BUILD_EXPORT_MISMATCH',
        `the ONNX export differs from TF.js by up to ${exportMaxAbsDiff} on the holdout (allowed ${EXPORT_TOLERANCE}): the exporter mistranslates a layer; do not ship this model`,
      )
    }
    return { onnx, exportMaxAbsDiff, holdoutProbabilities: actual, finalLoss }
  } finally {
    // compiled with an optimizer instance, so the model does not own (or dispose) the Adam state
    model.optimizer?.dispose()
    model.dispose()
  }
}
