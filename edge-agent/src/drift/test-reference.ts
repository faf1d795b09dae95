// Test support for the drift tests: a small reference and records drawn from it (or shifted away).
import { featureReference, outputReference } from '@edgefleet/models'
import { mulberry32, type ReferenceStatistics } from '@edgefleet/protocol'
import type { SourceRecord } from '../sources/source.ts'

export const FEATURES = ['a', 'b', 'c', 'd']
export const CLASSES = 3
const N = 2000

/** Seeded normal values (Box–Muller). */
export function normals(n: number, seed: number, mean = 0): Float64Array {
  const next = mulberry32(seed)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = mean + Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  return out
}

/** A reference of independent standard-normal features and a 3-class classifier's confident outputs. */
export function testReference(): ReferenceStatistics {
  const probabilities = new Float64Array(N * CLASSES)
  for (let i = 0; i < N; i++) probabilities.set(probabilityRow(i), i * CLASSES)
  return {
    sampleCount: N,
    source: 'test',
    features: FEATURES.map((f, j) => featureReference(f, normals(N, 100 + j))),
    outputs: outputReference(probabilities, CLASSES),
  }
}

/** Row i of the classifier's outputs: classes in turn, top-1 confidence spread evenly over 0.5–0.99 every 100 rows. */
export function probabilityRow(i: number): number[] {
  const best = i % CLASSES
  const confidence = 0.5 + 0.49 * (((i * 19) % 100) / 100)
  return Array.from({ length: CLASSES }, (_, k) => (k === best ? confidence : (1 - confidence) / (CLASSES - 1)))
}

/** `n` records whose features are drawn like the reference's, shifted by `shift` standard deviations. */
export function records(n: number, seed: number, shift = 0, ts = 1_764_300_000_000): SourceRecord[] {
  const cols = FEATURES.map((_, j) => normals(n, seed * 10 + j, shift))
  return Array.from({ length: n }, (_, i) => ({ id: `r${i}`, ts: ts + i, values: Float64Array.from(cols, (c) => c[i]!) }))
}

/** The model output of a batch of `n` rows (probabilities, row-major). */
export function outputs(n: number): { data: Float32Array; width: number } {
  const data = new Float32Array(n * CLASSES)
  for (let i = 0; i < n; i++) data.set(probabilityRow(i), i * CLASSES)
  return { data, width: CLASSES }
}
