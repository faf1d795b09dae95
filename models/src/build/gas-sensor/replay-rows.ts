import { mulberry32 } from '@edgefleet/protocol'
import { gasSensorSplit } from './build-gas-sensor.ts'
import { gasSensorInputFiles, readBatches } from './gas-data.ts'
import { GAS_FEATURE_COUNT } from './load-batch.ts'

// Replaying the gas-sensor data as a stream of raw rows: the drift tests and benchmarks use these.

/** Raw rows (float64, 128 features each) of the gas-sensor data, as the drift tests replay them. */
export interface GasRows {
  features: Float64Array
  n: number
}

/** The raw training rows the reference statistics were computed from, and the held-out rows. */
export function gasTrainAndHoldout(dataDir?: string): { train: GasRows; holdout: GasRows } {
  const { data, train, holdout } = gasSensorSplit({ dataDir })
  return { train: pick(data.features, train), holdout: pick(data.features, holdout) }
}

/** One later batch, in file order. */
export function gasBatch(batch: number, dataDir?: string): GasRows {
  const path = gasSensorInputFiles(dataDir).evaluation.get(batch)
  if (!path) throw new Error(`batch ${batch} is not an evaluation batch`)
  const raw = readBatches([path])
  return { features: raw.features, n: raw.n }
}

/** Chosen rows (by index, repeats allowed), e.g. a bootstrap sample. */
export function rowsAt(rows: GasRows, indices: ArrayLike<number>): GasRows {
  return pick(rows.features, indices)
}

/** The rows in a seeded random order (a stationary stream: the CSVs are sorted by gas). */
export function shuffled(rows: GasRows, seed: number): GasRows {
  const order = Int32Array.from({ length: rows.n }, (_, i) => i)
  const next = mulberry32(seed)
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  return pick(rows.features, order)
}

/** Consecutive windows of `size` rows (a last, shorter window is dropped). */
export function windowsOf(rows: GasRows, size: number): GasRows[] {
  const out: GasRows[] = []
  for (let start = 0; start + size <= rows.n; start += size) {
    out.push({ features: rows.features.subarray(start * GAS_FEATURE_COUNT, (start + size) * GAS_FEATURE_COUNT), n: size })
  }
  return out
}

/** One feature column of some rows. */
export function columnOf(rows: GasRows, j: number): Float64Array {
  const out = new Float64Array(rows.n)
  for (let r = 0; r < rows.n; r++) out[r] = rows.features[r * GAS_FEATURE_COUNT + j]!
  return out
}

function pick(features: Float64Array, rows: ArrayLike<number>): GasRows {
  const out = new Float64Array(rows.length * GAS_FEATURE_COUNT)
  for (let r = 0; r < rows.length; r++) out.set(features.subarray(rows[r]! * GAS_FEATURE_COUNT, (rows[r]! + 1) * GAS_FEATURE_COUNT), r * GAS_FEATURE_COUNT)
  return { features: out, n: rows.length }
}
