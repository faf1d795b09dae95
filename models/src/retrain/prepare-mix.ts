import { standardization, standardizeRows } from '../build/gas-sensor/prepare.ts'
import { loadClassifier, type TabularClassifier } from './load-classifier.ts'
import { DEFAULT_MIX, planMix, type MixPolicy } from './mix-policy.ts'
import { readOnnxMlp, type OnnxMlp } from './onnx-mlp.ts'
import { RetrainError } from '../errors.ts'
import type { EvaluationRow, MixSplit, RetrainOptions } from './retrain-types.ts'

/** The `prepare` stage's result: the parent, its network, the split and the standardised training mix. */
export interface PreparedMix {
  parent: TabularClassifier
  network: OnnxMlp
  policy: MixPolicy
  split: MixSplit
  /** the training mix (labelled training rows, then reference rows) as raw rows */
  trainingRows: EvaluationRow[]
  /** its raw features, row-major float64: the reference statistics come from these */
  trainingFeatures: Float64Array
  yTrain: Int32Array
  /** standardisation computed on the training mix */
  scaling: { mean: number[]; std: number[] }
  xTrain: Float32Array
  holdoutRows: EvaluationRow[]
  xHoldout: Float32Array
  yHoldout: Int32Array
}

/**
 * Loads the parent, checks it is a softmax MLP the trainer can rebuild, applies the mix policy and
 * standardises the training mix with its own mean and std (the holdout with the same scaling).
 */
export async function prepareMix(o: RetrainOptions, seed: number): Promise<PreparedMix> {
  const parent = await loadClassifier(o.parent)
  const network = readOnnxMlp(parent.onnx)
  if (typeof network === 'string') {
    throw new RetrainError('RETRAIN_MODEL_UNSUPPORTED', `${parent.id} cannot be retrained by the built-in trainer: ${network}. Retrain it with its own trainer and push the result`)
  }
  if (network.inputSize !== parent.featureCount || network.classCount !== parent.labels.length) {
    throw new RetrainError('RETRAIN_MODEL_UNSUPPORTED', `${parent.id}'s ONNX graph takes ${network.inputSize} features and gives ${network.classCount} classes, but its manifest says ${parent.featureCount} and ${parent.labels.length}`)
  }
  const policy: MixPolicy = { holdoutFraction: o.holdoutFraction ?? DEFAULT_MIX.holdoutFraction, referenceRatio: o.referenceRatio ?? DEFAULT_MIX.referenceRatio, seed }
  const reference = o.reference?.rows ?? []
  const split = planMix(o.labelled, reference, parent, policy)

  const trainingRows = [...split.training.map((i) => o.labelled[i]!), ...split.reference.map((i) => reference[i]!)]
  const holdoutRows = split.holdout.map((i) => o.labelled[i]!)
  const width = parent.featureCount
  const classOf = new Map(parent.labels.map((label, i) => [label, i]))
  const trainingFeatures = rawMatrix(trainingRows, width)
  const all = Int32Array.from(trainingRows, (_, i) => i)
  const scaling = standardization(trainingFeatures, width, all)
  const holdoutIndices = Int32Array.from(holdoutRows, (_, i) => i)
  return {
    parent,
    network,
    policy,
    split,
    trainingRows,
    trainingFeatures,
    yTrain: Int32Array.from(trainingRows, (r) => classOf.get(r.label)!),
    scaling,
    xTrain: standardizeRows(trainingFeatures, width, all, scaling),
    holdoutRows,
    xHoldout: standardizeRows(rawMatrix(holdoutRows, width), width, holdoutIndices, scaling),
    yHoldout: Int32Array.from(holdoutRows, (r) => classOf.get(r.label)!),
  }
}

function rawMatrix(rows: readonly EvaluationRow[], width: number): Float64Array {
  const out = new Float64Array(rows.length * width)
  rows.forEach((row, r) => {
    for (let j = 0; j < width; j++) out[r * width + j] = row.features[j]!
  })
  return out
}
