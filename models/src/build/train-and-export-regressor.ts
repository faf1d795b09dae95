import * as tf from '@tensorflow/tfjs'
import { exportSequentialToOnnx } from './onnx/export-sequential.ts'
import { buildMlp, fitSeededRegression } from './train-classifier.ts'
import { EXPORT_TOLERANCE, verifyOnnxExport } from './train-and-export-mlp.ts'
import { useCpuBackend } from './tf-backend.ts'

/** Everything {@link trainAndExportRegressor} needs: the network, its training settings and the rows. */
export interface RegressorTrainingSet {
  inputSize: number
  /** widths of the ReLU hidden layers */
  hidden: readonly number[]
  batchSize: number
  learningRate: number
  io: { inputName: string; outputName: string }
  opset: number
  /** standardised training rows (row-major) and their targets, in the target's own units */
  xTrain: Float32Array
  yTrain: Float64Array
  /** standardised rows the export is checked on against TF.js (the holdout) */
  xCheck: Float32Array
  seed: number
  epochs: number
  /** called after each epoch with the training loss (on the standardised target) */
  onEpoch?: (epoch: number, loss: number) => void
}

/** The exported regressor and the proof that it computes what TF.js computes. */
export interface RegressorExport {
  onnx: Uint8Array
  exportMaxAbsDiff: number
  /** ONNX predictions on the check rows, in the target's units */
  checkPredictions: Float32Array
  finalLoss: number
  /** mean and standard deviation of the training target */
  target: { mean: number; std: number }
}

/**
 * Trains an MLP regressor (ReLU hidden layers, one linear output) with TF.js on the standardised target
 * (y − mean) / std, seeded like the classifier, then folds the target's scale back into the output
 * layer (kernel × std, bias × std + mean) so that the exported ONNX graph predicts in the target's own
 * units, with no postprocessing on the device. The export is checked against TF.js on `xCheck`
 * (tolerance {@link EXPORT_TOLERANCE} relative to the target's magnitude).
 */
export async function trainAndExportRegressor(set: RegressorTrainingSet): Promise<RegressorExport> {
  await useCpuBackend()
  const target = meanStd(set.yTrain)
  const scaled = Float32Array.from(set.yTrain, (y) => (y - target.mean) / target.std)
  const model = buildMlp({ inputSize: set.inputSize, hidden: set.hidden, classes: 1, seed: set.seed + 1, head: 'linear' })
  try {
    let finalLoss = Number.NaN
    await fitSeededRegression(model, set.xTrain, scaled, scaled.length, {
      epochs: set.epochs,
      batchSize: set.batchSize,
      learningRate: set.learningRate,
      seed: set.seed + 100,
      onEpoch: (epoch, loss) => {
        finalLoss = loss
        set.onEpoch?.(epoch, loss)
      },
    })
    unscaleOutputLayer(model, target)
    const onnx = exportSequentialToOnnx(model, { ...set.io, opset: set.opset })
    const magnitude = Math.max(1, Math.abs(target.mean) + 4 * target.std)
    const { exportMaxAbsDiff, actual } = await verifyOnnxExport(model, onnx, set.io, set.xCheck, set.inputSize, EXPORT_TOLERANCE * magnitude)
    return { onnx, exportMaxAbsDiff, checkPredictions: actual, finalLoss, target }
  } finally {
    model.optimizer?.dispose()
    model.dispose()
  }
}

/** y = (W x + b) · std + mean, written into the last Dense layer's weights. */
function unscaleOutputLayer(model: tf.Sequential, target: { mean: number; std: number }): void {
  const last = model.layers[model.layers.length - 1]!
  const [kernel, bias] = last.getWeights()
  const scaled = tf.tidy(() => [kernel!.mul(target.std), bias!.mul(target.std).add(target.mean)])
  last.setWeights(scaled)
  tf.dispose(scaled)
}

/** Mean and population standard deviation; a constant target gets std 1. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]!
  const mean = sum / values.length
  let sq = 0
  for (let i = 0; i < values.length; i++) sq += (values[i]! - mean) ** 2
  return { mean, std: Math.sqrt(sq / values.length) || 1 }
}
