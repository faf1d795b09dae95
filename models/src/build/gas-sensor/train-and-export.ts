import { trainAndExportMlp } from '../train-and-export-mlp.ts'
import { GAS_FEATURE_COUNT, GAS_LABELS } from './load-batch.ts'

export { EXPORT_TOLERANCE } from '../train-and-export-mlp.ts'

/** Network shape and training settings of the shipped gas-sensor classifier. */
export const GAS_NETWORK = { hidden: [64, 32], batchSize: 64, learningRate: 1e-3, defaultEpochs: 40 } as const
/** Graph input and output names of the exported model. */
export const GAS_IO = { inputName: 'features', outputName: 'probabilities' } as const
export const GAS_OPSET = 17

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
 * Trains the gas-sensor MLP with TF.js (cpu backend, seeded), exports it to ONNX and runs the export
 * with onnxruntime-web on the holdout ({@link trainAndExportMlp} with the shipped network's settings).
 */
export async function trainAndExport(set: GasTrainingSet): Promise<GasExport> {
  const exported = await trainAndExportMlp({
    inputSize: GAS_FEATURE_COUNT,
    hidden: GAS_NETWORK.hidden,
    classCount: GAS_LABELS.length,
    batchSize: GAS_NETWORK.batchSize,
    learningRate: GAS_NETWORK.learningRate,
    io: GAS_IO,
    opset: GAS_OPSET,
    xTrain: set.xTrain,
    yTrain: set.yTrain,
    xCheck: set.xHoldout,
    seed: set.seed,
    epochs: set.epochs,
    onEpoch: set.onEpoch,
  })
  return { onnx: exported.onnx, exportMaxAbsDiff: exported.exportMaxAbsDiff, holdoutProbabilities: exported.checkProbabilities, finalLoss: exported.finalLoss }
}
