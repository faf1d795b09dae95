import { CsvTrainError } from '../errors.ts'
import { numberOf, type Table } from './csv-table.ts'

/** Position of a named column; CSV_COLUMN_UNKNOWN naming the columns there are when it is not in the table. */
export function columnIndex(table: Table, name: string, what: string): number {
  const i = table.columns.indexOf(name)
  if (i < 0) {
    const list = table.columns.slice(0, 12).join(', ') + (table.columns.length > 12 ? ', …' : '')
    throw new CsvTrainError('CSV_COLUMN_UNKNOWN', `${what} ${JSON.stringify(name)} is not a column of ${table.file} (columns: ${list})${table.named ? '' : '; the file has no header: name its columns'}`)
  }
  return i
}

/** Numeric values of the chosen columns, row-major (`rows × columns.length`), NaN where a value is missing. */
export interface NumericMatrix {
  values: Float64Array
  rows: number
  width: number
  /** missing values per column */
  missing: number[]
}

/**
 * The named columns as numbers. A column holding text (not a number, not a missing value) is refused
 * with CSV_COLUMN_NOT_NUMERIC naming the column, the first offending value and its line: the agent
 * feeds numbers only, so encode such a column before training (one-hot, ordinal) or leave it out.
 */
export function numericColumns(table: Table, names: readonly string[], firstLine: number): NumericMatrix {
  const idx = names.map((n) => columnIndex(table, n, 'feature'))
  const rows = table.rows.length
  const values = new Float64Array(rows * names.length)
  const missing = new Array<number>(names.length).fill(0)
  for (let r = 0; r < rows; r++) {
    const row = table.rows[r]!
    for (let j = 0; j < idx.length; j++) {
      const field = row[idx[j]!] ?? ''
      const v = numberOf(field)
      if (v === undefined) {
        throw new CsvTrainError(
          'CSV_COLUMN_NOT_NUMERIC',
          `column ${JSON.stringify(names[j])} holds text (${JSON.stringify(field.slice(0, 40))} at ${table.file}:${firstLine + r}): the agent feeds numbers only. ` +
            'Encode it as numbers before training (one 0/1 column per category), or leave it out (--exclude, or list the features with --features)',
        )
      }
      if (Number.isNaN(v)) missing[j]!++
      values[r * names.length + j] = v
    }
  }
  return { values, rows, width: names.length, missing }
}
