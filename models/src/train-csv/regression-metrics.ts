/** Root mean squared error, mean absolute error and R² of predictions against the truth. */
export function regressionMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>): { rmse: number; mae: number; r2: number } {
  const n = truth.length
  if (n === 0 || predicted.length !== n) throw new RangeError(`need as many predictions as truths (got ${predicted.length} for ${n})`)
  let mean = 0
  for (let i = 0; i < n; i++) mean += truth[i]!
  mean /= n
  let se = 0
  let ae = 0
  let total = 0
  for (let i = 0; i < n; i++) {
    const e = predicted[i]! - truth[i]!
    se += e * e
    ae += Math.abs(e)
    total += (truth[i]! - mean) ** 2
  }
  // a constant truth: R² is 1 for a perfect fit and 0 otherwise (as scikit-learn reports it)
  const r2 = total === 0 ? (se === 0 ? 1 : 0) : 1 - se / total
  return { rmse: Math.sqrt(se / n), mae: ae / n, r2 }
}
