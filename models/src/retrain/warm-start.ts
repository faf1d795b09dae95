import type { DenseWeights } from '../build/train-and-export-mlp.ts'

/** A per-feature standardisation: x' = (x − mean) / std. */
export interface Scaling {
  mean: readonly number[]
  std: readonly number[]
}

/**
 * The parent's weights for a network fed with a new standardisation: only the first layer changes.
 * The parent computed `((x − m0) / s0)·W + b`; with `z = (x − m1) / s1` that is `z·W' + b'` where
 * `W'[j][k] = W[j][k]·s1[j]/s0[j]` and `b'[k] = b[k] + Σj ((m1[j] − m0[j]) / s0[j])·W[j][k]`, so
 * training starts from exactly the parent's function (up to float32 rounding).
 */
export function rescaleFirstLayer(weights: readonly DenseWeights[], from: Scaling, to: Scaling): DenseWeights[] {
  const [first, ...rest] = weights
  if (!first) return []
  const inputs = from.mean.length
  const units = first.bias.length
  const kernel = new Float32Array(first.kernel.length)
  const bias = Float64Array.from(first.bias)
  for (let j = 0; j < inputs; j++) {
    const scale = to.std[j]! / from.std[j]!
    const shift = (to.mean[j]! - from.mean[j]!) / from.std[j]!
    for (let k = 0; k < units; k++) {
      const w = first.kernel[j * units + k]!
      kernel[j * units + k] = w * scale
      bias[k] = bias[k]! + shift * w
    }
  }
  return [{ kernel, bias: Float32Array.from(bias) }, ...rest]
}
