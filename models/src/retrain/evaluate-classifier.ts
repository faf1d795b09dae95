import { accuracy, argmaxRows, macroF1 } from '../build/classification-metrics.ts'
import { createOrtSession, runFloat } from '../build/onnx/ort-session.ts'
import { loadClassifier, type TabularClassifier } from './load-classifier.ts'
import { isComplete } from './mix-policy.ts'
import { RetrainError } from '../errors.ts'
import type { ClassEvaluation, ClassifierEvaluation, EvaluationRow, PackageSource } from './retrain-types.ts'

// rows per session.run: bounds the input tensor at 4096 × features float32
const CHUNK_ROWS = 4096

/**
 * Runs a classifier package's ONNX model with onnxruntime-web on raw labelled rows, applying the
 * package's own standardisation as the agent does ((x − mean) / std in float64, then float32), and
 * scores its arg-max predictions. Rows with a missing feature are skipped and counted in `dropped`
 * (the agent refuses such readings); a label the package does not have is refused with
 * `RETRAIN_LABEL_UNKNOWN`. The hub's evaluation gate calls it for the current version and for any
 * candidate, built-in or external, on the same holdout rows.
 */
export async function evaluateClassifier(pkg: PackageSource, rows: readonly EvaluationRow[]): Promise<ClassifierEvaluation> {
  const model = await loadClassifier(pkg)
  return (await classifyRows(model, rows)).evaluation
}

/** What running a classifier on raw rows needs (a loaded package, or a candidate before it is written). */
export type RowClassifier = Omit<TabularClassifier, 'manifest'>

/** {@link evaluateClassifier} on a loaded model, also returning the probabilities of the evaluated rows. */
export async function classifyRows(model: RowClassifier, rows: readonly EvaluationRow[]): Promise<{ evaluation: ClassifierEvaluation; probabilities: Float32Array }> {
  const classOf = new Map(model.labels.map((label, i) => [label, i]))
  const kept: number[] = []
  for (const [i, row] of rows.entries()) {
    if (row.features.length !== model.featureCount) {
      throw new RetrainError('RETRAIN_ROW_INVALID', `row ${i} has ${row.features.length} features, ${model.id} takes ${model.featureCount}`)
    }
    if (!classOf.has(row.label)) {
      throw new RetrainError('RETRAIN_LABEL_UNKNOWN', `row ${i} is labelled ${JSON.stringify(row.label)}, which ${model.id} does not know (${model.labels.join(', ')})`)
    }
    if (isComplete(row)) kept.push(i)
  }
  const truth = Int32Array.from(kept, (i) => classOf.get(rows[i]!.label)!)
  const probabilities = await predict(model, standardise(model, rows, kept), kept.length)
  const evaluation = score(truth, argmaxRows(probabilities, model.labels.length), model.labels)
  return { evaluation: { ...evaluation, dropped: rows.length - kept.length }, probabilities }
}

/** The chosen rows as float32 network input, standardised with the package's mean and std. */
export function standardise(model: Pick<TabularClassifier, 'featureCount' | 'mean' | 'std'>, rows: readonly EvaluationRow[], chosen: readonly number[]): Float32Array {
  const width = model.featureCount
  const x = new Float32Array(chosen.length * width)
  chosen.forEach((row, r) => {
    const features = rows[row]!.features
    for (let j = 0; j < width; j++) x[r * width + j] = (features[j]! - model.mean[j]!) / model.std[j]!
  })
  return x
}

async function predict(model: RowClassifier, x: Float32Array, rows: number): Promise<Float32Array> {
  const classes = model.labels.length
  const out = new Float32Array(rows * classes)
  if (rows === 0) return out
  const session = await createOrtSession(model.onnx)
  try {
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rows - start)
      const data = x.subarray(start * model.featureCount, (start + n) * model.featureCount)
      const result = await runFloat(session, { [model.inputName]: { data, dims: [n, model.featureCount] } })
      out.set(result[model.outputName]!, start * classes)
    }
  } finally {
    await session.release()
  }
  return out
}

function score(truth: Int32Array, predicted: Int32Array, labels: readonly string[]): Omit<ClassifierEvaluation, 'dropped'> {
  const perClass: Record<string, ClassEvaluation> = {}
  labels.forEach((label, c) => {
    let support = 0
    let predictedCount = 0
    let correct = 0
    for (let i = 0; i < truth.length; i++) {
      if (truth[i] === c) support++
      if (predicted[i] === c) predictedCount++
      if (truth[i] === c && predicted[i] === c) correct++
    }
    if (support + predictedCount === 0) return
    const precision = predictedCount === 0 ? 0 : correct / predictedCount
    const recall = support === 0 ? 0 : correct / support
    perClass[label] = { support, predicted: predictedCount, correct, precision, recall, f1: (2 * correct) / (support + predictedCount) }
  })
  return { rows: truth.length, accuracy: accuracy(truth, predicted), macroF1: macroF1(truth, predicted, labels.length), perClass }
}
