/** Arg-max class of each row of row-major `probabilities` (`classCount` per row). */
export function argmaxRows(probabilities: ArrayLike<number>, classCount: number): Int32Array {
  const rows = probabilities.length / classCount
  const out = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    let best = 0
    for (let c = 1; c < classCount; c++) if (probabilities[r * classCount + c]! > probabilities[r * classCount + best]!) best = c
    out[r] = best
  }
  return out
}

/** Share of predictions equal to the truth. */
export function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let correct = 0
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct++
  return truth.length === 0 ? 0 : correct / truth.length
}

/**
 * Macro-averaged F1 over the classes that occur in the truth or the predictions (as scikit-learn
 * does): a later sensor batch without, say, Toluene neither gains nor loses from that class.
 */
export function macroF1(truth: ArrayLike<number>, predicted: ArrayLike<number>, classCount: number): number {
  const tp = new Array<number>(classCount).fill(0)
  const fp = new Array<number>(classCount).fill(0)
  const fn = new Array<number>(classCount).fill(0)
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!
    const p = predicted[i]!
    if (t === p) tp[t]!++
    else {
      fp[p]!++
      fn[t]!++
    }
  }
  let sum = 0
  let classes = 0
  for (let c = 0; c < classCount; c++) {
    if (tp[c]! + fp[c]! + fn[c]! === 0) continue
    classes++
    sum += (2 * tp[c]!) / (2 * tp[c]! + fp[c]! + fn[c]!)
  }
  return classes === 0 ? 0 : sum / classes
}
