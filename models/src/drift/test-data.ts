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

export { exactKs } from './exact-statistics.ts'
