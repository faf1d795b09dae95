import { DataFetchError } from './errors.ts'

/** Gas names by UCI class number (1-based), as written in the CSV `gas` column. */
export const GAS_NAMES = ['Ethanol', 'Ethylene', 'Ammonia', 'Acetaldehyde', 'Acetone', 'Toluene'] as const

/** Features per sample: 16 sensors × 8 features. */
export const FEATURE_COUNT = 128

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/

/**
 * Converts one UCI `batchN.dat` file (`CLASS;CONCENTRATION 1:v1 … 128:v128` per line) to the CSV
 * layout of the shared data directory: no header, `gas,concentration,f1..f128`, numbers with six
 * decimals. Throws DATA_FORMAT_INVALID naming `file` and the line at the first malformed line.
 */
export function datToCsv(text: string, file: string): { csv: string; rows: number } {
  const out: string[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (line === '') continue
    out.push(convertLine(line, (why) => invalid(file, i + 1, why)))
  }
  if (out.length === 0) throw invalid(file, 0, 'no samples')
  return { csv: out.join(''), rows: out.length }
}

function convertLine(line: string, fail: (why: string) => DataFetchError): string {
  const tokens = line.split(/\s+/)
  const head = /^(\d+);(\S+)$/.exec(tokens[0] ?? '')
  if (!head) throw fail(`expected "CLASS;CONCENTRATION" first, found "${clip(tokens[0])}"`)
  const gas = GAS_NAMES[Number(head[1]) - 1]
  if (gas === undefined) throw fail(`unknown gas class ${head[1]} (expected 1-${GAS_NAMES.length})`)
  const fields: string[] = [gas, sixDecimals(head[2] ?? '', 'concentration', fail)]
  if (tokens.length !== FEATURE_COUNT + 1) {
    throw fail(`expected ${FEATURE_COUNT} features, found ${tokens.length - 1}`)
  }
  for (let k = 1; k <= FEATURE_COUNT; k++) {
    const token = tokens[k] ?? ''
    const sep = token.indexOf(':')
    if (token.slice(0, sep) !== String(k)) throw fail(`expected feature "${k}:<value>", found "${clip(token)}"`)
    fields.push(sixDecimals(token.slice(sep + 1), `feature ${k}`, fail))
  }
  // The trailing space before the newline matches the shared CSVs byte for byte (they kept the
  // separator that ends every line of the UCI .dat files).
  return `${fields.join(',')} \n`
}

function sixDecimals(text: string, what: string, fail: (why: string) => DataFetchError): string {
  const value = NUMBER.test(text) ? Number(text) : NaN
  if (!Number.isFinite(value)) throw fail(`${what} is not a finite number: "${clip(text)}"`)
  return value.toFixed(6)
}

function invalid(file: string, line: number, why: string): DataFetchError {
  const where = line > 0 ? `${file} line ${line}` : file
  return new DataFetchError(
    'DATA_FORMAT_INVALID',
    `${where}: ${why}. The gas-sensor archive is not in the expected UCI format; ` +
      'check the source URL, or re-run with force to download it again.',
  )
}

function clip(s: string | undefined): string {
  const t = s ?? ''
  return t.length > 40 ? `${t.slice(0, 40)}…` : t
}
