import { DEFAULT_SEED } from '../build/build-types.ts'
import { gasSensorSplit } from '../build/gas-sensor/build-gas-sensor.ts'
import { gasSensorInputFiles, readBatches } from '../build/gas-sensor/gas-data.ts'
import type { GasSensorBatchRaw } from '../build/gas-sensor/load-batch.ts'
import type { LabelledRow, ReferenceRow, RetrainOptions } from './retrain-types.ts'

/**
 * The shipped gas-sensor model's training rows (batches 1–2 minus the build's holdout, exactly as
 * `gasSensorSplit` makes it for `seed`), as `retrainClassifier`'s `reference`.
 */
export function gasSensorReference(o: { dataDir?: string; seed?: number } = {}): NonNullable<RetrainOptions['reference']> {
  const seed = o.seed ?? DEFAULT_SEED
  const { data, train } = gasSensorSplit({ dataDir: o.dataDir, seed })
  return {
    rows: rowsOf(data, train),
    description: `gas-sensor-drift batches 1-2, the 1.0.0 build's training split (seed ${seed}; sha256 ${data.sha256.slice(0, 12)}… over batch1.csv then batch2.csv)`,
  }
}

/**
 * One later batch of the gas-sensor data as labelled device rows, in file order, with `ts` = the row
 * number (the CSVs carry no time; note that they are grouped by gas, so the newest rows by this
 * order are a few gases, not a sample of all).
 */
export function gasSensorBatchRows(batch: number, o: { dataDir?: string } = {}): LabelledRow[] {
  const path = gasSensorInputFiles(o.dataDir).evaluation.get(batch)
  if (!path) throw new RangeError(`batch ${batch} is not a later gas-sensor batch; use one of ${[...gasSensorInputFiles(o.dataDir).evaluation.keys()].join(', ')}`)
  const data = readBatches([path])
  return rowsOf(data, Int32Array.from({ length: data.n }, (_, i) => i)).map((row, i) => ({ ...row, ts: i }))
}

function rowsOf(data: GasSensorBatchRaw, indices: ArrayLike<number>): ReferenceRow[] {
  const width = data.features.length / data.n
  return Array.from(indices, (i) => ({ features: Array.from(data.features.subarray(i * width, (i + 1) * width)), label: data.labels[i]! }))
}
