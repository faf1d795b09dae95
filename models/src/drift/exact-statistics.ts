import { binIndex } from '../reference/bin-index.ts'

// Exact statistics from raw samples: what summaries are checked against, and the benchmarks' baseline.

/** Exact two-sample KS statistic of raw samples (merge over every distinct value). */
export function exactKs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = Float64Array.from(a).sort()
  const y = Float64Array.from(b).sort()
  let i = 0
  let j = 0
  let d = 0
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!)
    while (i < x.length && x[i] === v) i++
    while (j < y.length && y[j] === v) j++
    d = Math.max(d, Math.abs(i / x.length - j / y.length))
  }
  return d
}

/** The K+3 histogram (missing, underflow, K bins, overflow) of raw values, binned directly. */
export function exactHistogram(values: ArrayLike<number>, edges: readonly number[]): Float64Array {
  const h = new Float64Array(edges.length + 2)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) h[0]!++
    else h[binIndex(edges, v) + 1]!++
  }
  for (let i = 0; i < h.length; i++) h[i]! /= values.length
  return h
}
