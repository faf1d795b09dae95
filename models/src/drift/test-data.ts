import { mulberry32 } from '@edgefleet/protocol'

/** Seeded standard-normal values (Box–Muller), for tests. */
export function normals(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const next = mulberry32(seed)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const u = 1 - next()
    const v = next()
    out[i] = mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  return out
}

/** Exact two-sample KS statistic of raw samples (sorted merge over every distinct value). */
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
