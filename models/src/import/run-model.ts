import type { InferenceSession } from 'onnxruntime-web'
import { runFloat } from '../build/onnx/ort-session.ts'

/**
 * Runs `rows` rows of `x` (row-major, `rowShape` per row) through a one-input model: one run per
 * chunk of up to 256 rows, or one run per row when the batch dimension is fixed at 1. Returns each
 * output's values, rows concatenated.
 */
export async function runRows(session: InferenceSession, inputName: string, x: Float32Array, rows: number, rowShape: readonly number[], batchOfOne: boolean): Promise<Record<string, Float32Array>> {
  const size = rowShape.reduce((a, b) => a * b, 1)
  const chunk = batchOfOne ? 1 : 256
  const parts: Record<string, Float32Array>[] = []
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start)
    parts.push(await runFloat(session, { [inputName]: { data: x.subarray(start * size, (start + n) * size), dims: [n, ...rowShape] } }))
  }
  const out: Record<string, Float32Array> = {}
  for (const name of Object.keys(parts[0] ?? {})) {
    const all = new Float32Array(parts.reduce((total, p) => total + p[name]!.length, 0))
    let at = 0
    for (const p of parts) {
      all.set(p[name]!, at)
      at += p[name]!.length
    }
    out[name] = all
  }
  return out
}

/** Index of the first NaN or infinite value, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i
  return -1
}
