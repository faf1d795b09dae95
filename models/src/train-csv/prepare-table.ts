import { CsvTrainError } from '../errors.ts'
import { isMissing, numberOf, type Table } from '../table/csv-table.ts'
import { columnIndex, numericColumns } from '../table/table-columns.ts'

/** Most classes a label column may have before it is refused (train a regressor, or group classes). */
export const MAX_CLASSES = 100
/** A numeric label with at most this many distinct integer values is read as classes. */
export const MAX_INTEGER_CLASSES = 20

export type CsvTask = 'classification' | 'regression'

/** The table as training rows: features (NaN where missing), targets, and what was decided. */
export interface PreparedTable {
  features: string[]
  task: CsvTask
  /** classification: the class names, in output column order */
  labels?: string[]
  /** rows × features, row-major; NaN where a value is missing */
  raw: Float64Array
  /** per row: class index (classification) or value (regression) */
  y: Int32Array | Float64Array
  rows: number
  /** rows left out because their label is missing */
  droppedNoLabel: number
  notes: string[]
}

/** Options of {@link prepareTable}. */
export interface PrepareOptions {
  label: string
  /** feature columns (default: every column but the label and `exclude`) */
  features?: readonly string[]
  /** columns that are not features (ids, timestamps) */
  exclude?: readonly string[]
  /** default: detected from the label column ({@link detectTask}) */
  task?: CsvTask
}

/**
 * Chooses the task a label column asks for: text labels are classes; numbers are classes when they
 * are integers with at most {@link MAX_INTEGER_CLASSES} distinct values (0/1, grades, counts of
 * categories), and a regression target otherwise.
 */
export function detectTask(values: readonly string[]): { task: CsvTask; reason: string } {
  const present = values.filter((v) => !isMissing(v))
  const text = present.find((v) => numberOf(v) === undefined)
  if (text !== undefined) return { task: 'classification', reason: `the label column holds text (${JSON.stringify(text.slice(0, 20))})` }
  const distinct = new Set(present.map((v) => numberOf(v)!))
  const integers = [...distinct].every((v) => Number.isInteger(v))
  if (integers && distinct.size <= MAX_INTEGER_CLASSES) return { task: 'classification', reason: `the label column holds ${distinct.size} distinct integers` }
  return { task: 'regression', reason: integers ? `the label column holds ${distinct.size} distinct integers (more than ${MAX_INTEGER_CLASSES})` : 'the label column holds fractional numbers' }
}

/**
 * Turns a table into training rows. Rows with a missing label are dropped (and counted); missing
 * feature values stay NaN here (the trainer imputes them with the training split's median); a feature
 * column of text is refused with CSV_COLUMN_NOT_NUMERIC naming it.
 */
export function prepareTable(table: Table, o: PrepareOptions): PreparedTable {
  const labelIndex = columnIndex(table, o.label, 'label column')
  const exclude = new Set([o.label, ...(o.exclude ?? [])])
  for (const c of o.exclude ?? []) columnIndex(table, c, 'excluded column')
  const features = o.features ? [...o.features] : table.columns.filter((c) => !exclude.has(c))
  if (features.includes(o.label)) throw new CsvTrainError('CSV_OPTIONS_INVALID', `the label column ${o.label} cannot also be a feature`)
  if (features.length === 0) throw new CsvTrainError('CSV_OPTIONS_INVALID', `${table.file} has no feature columns besides the label ${o.label}`)
  const notes: string[] = []
  const kept: number[] = []
  table.rows.forEach((row, r) => {
    if (!isMissing(row[labelIndex] ?? '')) kept.push(r)
  })
  const droppedNoLabel = table.rows.length - kept.length
  if (droppedNoLabel > 0) notes.push(`${droppedNoLabel} row(s) without a label left out`)
  const labelFields = kept.map((r) => table.rows[r]![labelIndex]!.trim())
  const detected = detectTask(labelFields)
  const task = o.task ?? detected.task
  notes.push(o.task ? `task ${task} (as asked)` : `task ${task} (${detected.reason}; --task overrides)`)
  const matrix = numericColumns({ ...table, rows: kept.map((r) => table.rows[r]!) }, features, table.named ? 2 : 1)
  for (const [j, name] of features.entries()) {
    if (matrix.missing[j] === matrix.rows) throw new CsvTrainError('CSV_COLUMN_NOT_NUMERIC', `column ${JSON.stringify(name)} has no values: leave it out with --exclude`)
  }
  if (task === 'regression') {
    const y = Float64Array.from(labelFields, (f, i) => {
      const v = numberOf(f)
      if (v === undefined) throw new CsvTrainError('CSV_LABEL_UNUSABLE', `label ${JSON.stringify(f)} (row ${i + 1} with a label) is not a number: a regressor needs a numeric label column; use --task classification for classes`)
      return v
    })
    return { features, task, raw: matrix.values, y, rows: matrix.rows, droppedNoLabel, notes }
  }
  const labels = classNames(labelFields)
  if (labels.length < 2) throw new CsvTrainError('CSV_LABEL_UNUSABLE', `the label column ${o.label} holds one class only (${JSON.stringify(labels[0])}): a classifier needs two or more`)
  if (labels.length > MAX_CLASSES) throw new CsvTrainError('CSV_LABEL_UNUSABLE', `the label column ${o.label} holds ${labels.length} classes (at most ${MAX_CLASSES}): group them, or train a regressor with --task regression`)
  const index = new Map(labels.map((l, i) => [l, i]))
  const y = Int32Array.from(labelFields, (f) => index.get(f)!)
  return { features, task, labels, raw: matrix.values, y, rows: matrix.rows, droppedNoLabel, notes }
}

/** Distinct labels, sorted: as numbers when they all are (so 2 comes before 10), else as text. */
export function classNames(fields: readonly string[]): string[] {
  const distinct = [...new Set(fields)]
  const numeric = distinct.every((f) => numberOf(f) !== undefined)
  return numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort()
}

/**
 * Fills missing values (NaN) with each feature's median over `trainRows` (the training split only, so
 * nothing of the holdout leaks into training). Returns the filled copy, the medians and how many
 * values were filled in all.
 */
export function imputeMedians(raw: Float64Array, width: number, trainRows: ArrayLike<number>): { filled: Float64Array; medians: number[]; imputed: number } {
  const medians: number[] = []
  for (let j = 0; j < width; j++) {
    const present: number[] = []
    for (let k = 0; k < trainRows.length; k++) {
      const v = raw[trainRows[k]! * width + j]!
      if (!Number.isNaN(v)) present.push(v)
    }
    present.sort((a, b) => a - b)
    const mid = present.length >> 1
    medians.push(present.length === 0 ? 0 : present.length % 2 ? present[mid]! : (present[mid - 1]! + present[mid]!) / 2)
  }
  const filled = Float64Array.from(raw)
  let imputed = 0
  for (let i = 0; i < filled.length; i++) {
    if (Number.isNaN(filled[i]!)) {
      filled[i] = medians[i % width]!
      imputed++
    }
  }
  return { filled, medians, imputed }
}
