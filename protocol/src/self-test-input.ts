import type { SelfTestExpected, SelfTestInput } from './schemas/manifest.ts'

/** mulberry32: a small, fast, seeded PRNG; identical in every JS engine, so agents on any platform agree. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * The most elements one self-test input may have (64 MiB of float32): far above any real model input
 * (a 640×640 RGB frame is 1.2 M), far below what would stall or kill the process that checks it. A
 * manifest's dimensions may each be up to 2^20, so their product is checked before anything is allocated.
 */
export const MAX_SELF_TEST_ELEMENTS = 1 << 24

/** Materialises a self-test input of `size` elements; a RangeError for a size no model input can have. */
export function selfTestInputValues(input: SelfTestInput, size: number): Float32Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_SELF_TEST_ELEMENTS) {
    throw new RangeError(`the model input's shape has ${size} elements, more than a self-test input may have (${MAX_SELF_TEST_ELEMENTS}): check the manifest's input dimensions`)
  }
  if (input.kind === 'values' && input.values.length !== size) {
    throw new RangeError(`self-test input has ${input.values.length} values but the model input needs ${size}`)
  }
  const out = new Float32Array(size)
  switch (input.kind) {
    case 'values':
      out.set(input.values)
      return out
    case 'constant':
      return out.fill(input.value)
    case 'uniform': {
      const next = mulberry32(input.seed)
      const span = input.max - input.min
      for (let i = 0; i < size; i++) out[i] = input.min + next() * span
      return out
    }
  }
}

export const FINGERPRINT_HEAD = 16

/** A fingerprint of a large output, for `SelfTestExpected` of kind `fingerprint`. */
export function fingerprint(values: ArrayLike<number>): Extract<SelfTestExpected, { kind: 'fingerprint' }> {
  let sum = 0
  let sumAbs = 0
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    sum += v
    sumAbs += Math.abs(v)
    if (v < min) min = v
    if (v > max) max = v
  }
  const head = Array.from({ length: Math.min(FINGERPRINT_HEAD, values.length) }, (_, i) => values[i]!)
  return { kind: 'fingerprint', count: values.length, sum, sumAbs, min, max, head }
}

/**
 * Compares an actual output with its expected value. Returns `null` when it matches within
 * `tolerance` (absolute, per element; sums are allowed `tolerance × count`), else what differs.
 */
export function compareSelfTestOutput(expected: SelfTestExpected, actual: ArrayLike<number>, tolerance: number): string | null {
  if (expected.kind === 'values') {
    if (expected.values.length !== actual.length) return `has ${actual.length} values, expected ${expected.values.length}`
    for (let i = 0; i < actual.length; i++) {
      const diff = Math.abs(actual[i]! - expected.values[i]!)
      if (!(diff <= tolerance)) return `value ${i} is ${actual[i]}, expected ${expected.values[i]} (±${tolerance})`
    }
    return null
  }
  const got = fingerprint(actual)
  if (got.count !== expected.count) return `has ${got.count} values, expected ${expected.count}`
  const sumTolerance = tolerance * expected.count
  for (const key of ['sum', 'sumAbs'] as const) {
    if (!(Math.abs(got[key] - expected[key]) <= sumTolerance)) return `${key} is ${got[key]}, expected ${expected[key]} (±${sumTolerance})`
  }
  for (const key of ['min', 'max'] as const) {
    if (!(Math.abs(got[key] - expected[key]) <= tolerance)) return `${key} is ${got[key]}, expected ${expected[key]} (±${tolerance})`
  }
  for (let i = 0; i < expected.head.length; i++) {
    if (!(Math.abs(got.head[i]! - expected.head[i]!) <= tolerance)) return `value ${i} is ${got.head[i]}, expected ${expected.head[i]} (±${tolerance})`
  }
  return null
}
