import { ModelBuildError } from '../../errors.ts'
import { shuffleInPlace, type Rng } from '../seeded-shuffle.ts'

/**
 * Splits row indices into train and holdout, stratified by class: from each class, `holdoutFraction`
 * of its rows (rounded) go to the holdout, chosen by `rng`. Both lists are returned in row order.
 */
export function stratifiedSplit(classes: ArrayLike<number>, holdoutFraction: number, rng: Rng): { train: Int32Array; holdout: Int32Array } {
  const byClass = new Map<number, number[]>()
  for (let i = 0; i < classes.length; i++) {
    const rows = byClass.get(classes[i]!) ?? []
    rows.push(i)
    byClass.set(classes[i]!, rows)
  }
  const holdout: number[] = []
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = shuffleInPlace(byClass.get(cls)!, rng)
    holdout.push(...rows.slice(0, Math.round(rows.length * holdoutFraction)))
  }
  const inHoldout = new Uint8Array(classes.length)
  for (const i of holdout) inHoldout[i] = 1
  const train: number[] = []
  for (let i = 0; i < classes.length; i++) if (!inHoldout[i]) train.push(i)
  return { train: Int32Array.from(train), holdout: Int32Array.from(holdout.sort((a, b) => a - b)) }
}

/** Per-feature mean and population standard deviation of the selected rows; a zero std becomes 1. */
export function standardization(features: Float64Array, width: number, rows: ArrayLike<number>): { mean: number[]; std: number[] } {
  if (rows.length === 0) throw new ModelBuildError('BUILD_DATA_INVALID', 'cannot standardise an empty training split')
  const mean = new Array<number>(width).fill(0)
  const sq = new Array<number>(width).fill(0)
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * width
    for (let j = 0; j < width; j++) mean[j]! += features[base + j]!
  }
  for (let j = 0; j < width; j++) mean[j]! /= rows.length
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * width
    for (let j = 0; j < width; j++) sq[j]! += (features[base + j]! - mean[j]!) ** 2
  }
  // a feature constant over the training split carries no information; dividing by 1 keeps it finite
  const std = sq.map((s) => Math.sqrt(s / rows.length) || 1)
  return { mean, std }
}

/** The selected rows, standardised as the agent will do it ((x - mean) / std in float64), as float32 network input. */
export function standardizeRows(features: Float64Array, width: number, rows: ArrayLike<number>, scaling: { mean: number[]; std: number[] }): Float32Array {
  const out = new Float32Array(rows.length * width)
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * width
    for (let j = 0; j < width; j++) out[r * width + j] = (features[base + j]! - scaling.mean[j]!) / scaling.std[j]!
  }
  return out
}

/** The selected rows' raw values of one feature column. */
export function column(features: Float64Array, width: number, rows: ArrayLike<number>, j: number): Float64Array {
  const out = new Float64Array(rows.length)
  for (let r = 0; r < rows.length; r++) out[r] = features[rows[r]! * width + j]!
  return out
}
