import type { ManifestInput } from '@edgefleet/protocol'
import { CsvTrainError, ImportError } from '../errors.ts'
import type { Table } from '../table/csv-table.ts'
import { numericColumns } from '../table/table-columns.ts'

/** Reference rows of a tabular model: raw values (for drift statistics) and the tensor the graph takes. */
export interface TabularInputs {
  /** raw feature values, row-major, rows with a missing value left out (the agent refuses such readings) */
  raw: Float64Array
  /** the same rows after the manifest's preprocessing, as float32 model input */
  x: Float32Array
  rows: number
  width: number
  /** rows left out for a missing value */
  dropped: number
}

/**
 * The reference table's feature columns, in the model's feature order, as the agent would feed them:
 * rows missing a feature are left out and counted, standardisation (if any) applied in float64 then
 * rounded to float32. IMPORT_REFERENCE_INVALID for a missing column or a column of text.
 */
export function tabularInputs(table: Table, features: readonly string[], preprocessing: ManifestInput['preprocessing']): TabularInputs {
  let matrix
  try {
    matrix = numericColumns(table, features, table.named ? 2 : 1)
  } catch (cause) {
    if (cause instanceof CsvTrainError) throw new ImportError('IMPORT_REFERENCE_INVALID', `reference data: ${cause.message}`, { cause })
    throw cause
  }
  const width = features.length
  const keep: number[] = []
  for (let r = 0; r < matrix.rows; r++) {
    let complete = true
    for (let j = 0; j < width && complete; j++) complete = !Number.isNaN(matrix.values[r * width + j]!)
    if (complete) keep.push(r)
  }
  if (keep.length === 0) throw new ImportError('IMPORT_REFERENCE_INVALID', `no row of ${table.file} has every feature: the reference needs complete rows of ${width} features`)
  const raw = new Float64Array(keep.length * width)
  const x = new Float32Array(keep.length * width)
  const std = preprocessing.type === 'standardize' ? preprocessing : undefined
  keep.forEach((r, k) => {
    for (let j = 0; j < width; j++) {
      const v = matrix.values[r * width + j]!
      raw[k * width + j] = v
      x[k * width + j] = std ? (v - std.mean[j]!) / std.std[j]! : v
    }
  })
  return { raw, x, rows: keep.length, width, dropped: matrix.rows - keep.length }
}

/** Column `j` of a row-major matrix. */
export function columnOf(values: Float64Array, width: number, j: number): Float64Array {
  const rows = values.length / width
  const out = new Float64Array(rows)
  for (let r = 0; r < rows; r++) out[r] = values[r * width + j]!
  return out
}

/**
 * Quantile bins per reference feature: about 20 samples per bin, between 16 and 64, and 16 when
 * there are many features (a manifest holds every feature's edges and proportions; 4 MiB at most).
 */
export function referenceBins(samples: number, features: number): number {
  const max = features > 256 ? 16 : 64
  return Math.max(16, Math.min(max, Math.floor(samples / 20)))
}
