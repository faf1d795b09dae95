import { readFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import { CsvTrainError } from '../errors.ts'

/** A table read from a CSV or JSONL file: column names and the rows' fields as text. */
export interface Table {
  /** the file it came from, for messages */
  file: string
  columns: string[]
  /** one array of fields per data row, in column order (JSONL: `''` where a key is absent) */
  rows: string[][]
  /** true when the names came from the file's first row (CSV) or keys (JSONL) */
  named: boolean
  /** the delimiter a CSV used */
  delimiter?: string
}

/** How to read a CSV file's first row. */
export type HeaderMode = 'auto' | 'yes' | 'no'

/** Options of {@link readCsvTable}. */
export interface CsvTableOptions {
  /** is the first row a header? (default auto: see {@link looksLikeHeader}) */
  header?: HeaderMode
  /** names for a headerless file's columns (default col1 … colN) */
  columns?: readonly string[]
  /** read at most this many data rows */
  maxRows?: number
}

/** Field values read as missing: empty, and the usual spreadsheet and pandas spellings (case-insensitive). */
export const MISSING_VALUES: ReadonlySet<string> = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '#n/a'])

/** True for a field holding a missing value ({@link MISSING_VALUES}). */
export function isMissing(field: string): boolean {
  return MISSING_VALUES.has(field.trim().toLowerCase())
}

/** The number a field holds, NaN when it is missing, or undefined when it is text. */
export function numberOf(field: string): number | undefined {
  if (isMissing(field)) return NaN
  const v = Number(field.trim())
  return Number.isFinite(v) ? v : undefined
}

const DELIMITERS = [',', ';', '\t', '|'] as const

/** The delimiter that splits the first line into the most fields, outside quotes (comma on a tie). */
export function detectDelimiter(firstLine: string): string {
  let best: string = ','
  let bestCount = 0
  for (const d of DELIMITERS) {
    let count = 0
    let quoted = false
    for (const ch of firstLine) {
      if (ch === '"') quoted = !quoted
      else if (ch === d && !quoted) count++
    }
    if (count > bestCount) {
      best = d
      bestCount = count
    }
  }
  return best
}

/**
 * True when the first row is a header: every field is present and distinct, and some column is text
 * in the first row but numbers in most of the rows below it (a header over numeric data). A file whose
 * columns are all text cannot be told apart; name its columns with `header: 'yes'` or `columns`.
 */
export function looksLikeHeader(first: readonly string[], below: readonly (readonly string[])[]): boolean {
  if (first.some((f) => f.trim() === '') || new Set(first.map((f) => f.trim())).size !== first.length) return false
  if (below.length === 0) return first.every((f) => numberOf(f) === undefined)
  return first.some((f, j) => {
    if (numberOf(f) !== undefined) return false
    const numeric = below.filter((r) => r[j] !== undefined && !isMissing(r[j]!) && numberOf(r[j]!) !== undefined).length
    const present = below.filter((r) => r[j] !== undefined && !isMissing(r[j]!)).length
    return present > 0 && numeric >= 0.8 * present
  })
}

/**
 * Reads a CSV file as text fields: RFC 4180 quoting (quoted delimiters, doubled quotes, line breaks
 * inside quotes), a byte-order mark, `\r\n` line ends and blank lines are handled; the delimiter (`,`
 * `;` tab `|`) is detected from the first line; the header is detected ({@link looksLikeHeader}) unless
 * told. A row with a different number of fields than the first is refused with its line number.
 */
export async function readCsvTable(file: string, o: CsvTableOptions = {}): Promise<Table> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new CsvTrainError('CSV_UNREADABLE', `cannot read ${file}: ${(cause as Error).message}`, { cause })
  }
  return parseCsvText(text, file, o)
}

/** {@link readCsvTable} on text already in memory. */
export function parseCsvText(text: string, file: string, o: CsvTableOptions = {}): Table {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? ''
  const delimiter = detectDelimiter(firstLine)
  let records: string[][]
  try {
    records = parse(text, { bom: true, delimiter, skip_empty_lines: true, relax_quotes: false, trim: true, to: o.maxRows === undefined ? undefined : o.maxRows + 1 }) as string[][]
  } catch (cause) {
    throw new CsvTrainError('CSV_UNREADABLE', `${file} is not valid CSV: ${(cause as Error).message}`, { cause })
  }
  if (records.length === 0) throw new CsvTrainError('CSV_UNREADABLE', `${file} holds no rows`)
  const header = o.header === 'yes' || (o.header !== 'no' && !o.columns && looksLikeHeader(records[0]!, records.slice(1, 51)))
  const width = records[0]!.length
  const columns = header ? records[0]!.map((c) => c.trim()) : o.columns ? [...o.columns] : Array.from({ length: width }, (_, i) => `col${i + 1}`)
  if (columns.length !== width) {
    throw new CsvTrainError('CSV_UNREADABLE', `${columns.length} column names for ${file}, whose rows have ${width} fields`)
  }
  const rows = header ? records.slice(1) : records
  if (o.maxRows !== undefined && rows.length > o.maxRows) rows.length = o.maxRows
  return { file, columns, rows, named: header || o.columns !== undefined, delimiter }
}

/**
 * Reads a JSONL file of flat objects (one reading per line, as the agent's `--jsonl` replays): the
 * columns are the keys of the first object, then any new key in the order met; numbers become text.
 */
export async function readJsonlTable(file: string, o: { maxRows?: number } = {}): Promise<Table> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new CsvTrainError('CSV_UNREADABLE', `cannot read ${file}: ${(cause as Error).message}`, { cause })
  }
  const columns: string[] = []
  const index = new Map<string, number>()
  const objects: Record<string, unknown>[] = []
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue
    if (o.maxRows !== undefined && objects.length >= o.maxRows) break
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (cause) {
      throw new CsvTrainError('CSV_UNREADABLE', `${file}:${i + 1} is not JSON: ${(cause as Error).message}`, { cause })
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CsvTrainError('CSV_UNREADABLE', `${file}:${i + 1} is not a JSON object of feature name → value`)
    for (const key of Object.keys(value)) {
      if (!index.has(key)) {
        index.set(key, columns.length)
        columns.push(key)
      }
    }
    objects.push(value as Record<string, unknown>)
  }
  if (objects.length === 0) throw new CsvTrainError('CSV_UNREADABLE', `${file} holds no readings`)
  const rows = objects.map((obj) => columns.map((c) => fieldText(obj[c])))
  return { file, columns, rows, named: true }
}

/** Reads a `.jsonl`/`.ndjson` file as JSONL, anything else as CSV. */
export function readTable(file: string, o: CsvTableOptions = {}): Promise<Table> {
  return /\.(jsonl|ndjson)$/i.test(file) ? readJsonlTable(file, o) : readCsvTable(file, o)
}

function fieldText(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}
