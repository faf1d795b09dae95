import { compile, LabelItem } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'

/** The CSV columns of a labels file: the first three are required, in any order. */
export const LABEL_CSV_COLUMNS = ['device_id', 'sample_id', 'label', 'ts', 'source'] as const
type Column = (typeof LABEL_CSV_COLUMNS)[number]
const REQUIRED: readonly Column[] = ['device_id', 'sample_id', 'label']
const FIELD_OF: Record<string, Column> = { deviceId: 'device_id', sampleId: 'sample_id', label: 'label', ts: 'ts', source: 'source' }

const labelItem = compile(LabelItem, 'label')
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * Labels from CSV text (RFC 4180: quoted fields with `""` for a quote, CRLF or LF line ends, an
 * optional UTF-8 BOM) with the header `device_id,sample_id,label[,ts,source]`. `ts` is ms since the
 * epoch or an ISO 8601 date; empty `ts` and `source` are absent. Labels stay text. Strict: the first
 * bad line is refused as HUB_USAGE naming it (`what line N: …`); blank lines are skipped.
 */
export function parseLabelsCsv(text: string, what = 'CSV'): LabelItem[] {
  const records = csvRecords(text.startsWith('\uFEFF') ? text.slice(1) : text, what)
  const header = records.next()
  if (header.done) throw usage(what, 1, `is empty: the first line must be the header ${REQUIRED.join(',')}[,ts,source]`)
  const columns = headerColumns(header.value, what)
  const items: LabelItem[] = []
  for (const { line, fields } of records) {
    if (fields.length !== columns.length) throw usage(what, line, `has ${fields.length} fields, the header ${columns.length} (${columns.join(',')})`)
    const value: Partial<Record<Column, string>> = {}
    columns.forEach((c, i) => (value[c] = fields[i]))
    items.push(toItem(value, line, what))
  }
  return items
}

function headerColumns(record: { line: number; fields: string[] }, what: string): Column[] {
  const columns = record.fields.map((f) => f.trim())
  for (const c of columns) {
    if (!(LABEL_CSV_COLUMNS as readonly string[]).includes(c)) throw usage(what, record.line, `(the header) has an unknown column ${JSON.stringify(c)}: use ${LABEL_CSV_COLUMNS.join(', ')}`)
  }
  if (new Set(columns).size !== columns.length) throw usage(what, record.line, '(the header) names a column twice')
  const missing = REQUIRED.filter((c) => !columns.includes(c))
  if (missing.length > 0) throw usage(what, record.line, `(the header) lacks ${missing.join(', ')}: it must be ${REQUIRED.join(',')}[,ts,source]`)
  return columns as Column[]
}

function toItem(v: Partial<Record<Column, string>>, line: number, what: string): LabelItem {
  const item: Record<string, unknown> = { deviceId: v.device_id, sampleId: v.sample_id, label: v.label }
  if (v.ts) item.ts = parseTs(v.ts, line, what)
  if (v.source) item.source = v.source
  if (labelItem.check(item)) return item
  const [issue] = labelItem.issues(item)
  const field = issue?.path.split('/')[1] ?? ''
  const shown = FIELD_OF[field] ?? (field || 'row')
  throw usage(what, line, `${shown} ${JSON.stringify(item[field] ?? '')} ${issue?.message ?? 'is invalid'}`)
}

function parseTs(text: string, line: number, what: string): number {
  if (/^\d+$/.test(text)) return Number(text)
  const ms = ISO_DATE.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(ms)) throw usage(what, line, `ts ${JSON.stringify(text)} is neither ms since the epoch nor an ISO 8601 date such as 2025-06-01T12:00:00Z`)
  return ms
}

/** The records of CSV text, each with the line it starts on; blank lines are skipped. */
function* csvRecords(text: string, what: string): Generator<{ line: number; fields: string[] }> {
  let i = 0
  let line = 1
  while (i < text.length) {
    const start = line
    const fields: string[] = []
    let field = ''
    let quoted = false
    for (;;) {
      const c = text[i]
      if (quoted) {
        if (c === undefined) throw usage(what, start, 'has a quoted field that never ends: close it with "')
        i++
        if (c === '"') {
          if (text[i] === '"') {
            field += '"'
            i++
          } else {
            quoted = false
            const next = text[i]
            if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
              throw usage(what, line, `has text after a closing quote: write a quote inside a quoted field as ""`)
            }
          }
        } else {
          if (c === '\n') line++
          field += c
        }
        continue
      }
      if (c === undefined || c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
        fields.push(field)
        i += c === undefined ? 0 : c === '\r' ? 2 : 1
        if (c !== undefined) line++
        break
      }
      i++
      if (c === ',') {
        fields.push(field)
        field = ''
      } else if (c === '"' && field.length === 0) {
        quoted = true
      } else if (c === '"' || c === '\r') {
        throw usage(what, line, c === '"' ? 'has a quote inside an unquoted field: quote the whole field and write the quote as ""' : 'has a stray carriage return')
      } else {
        field += c
      }
    }
    if (fields.length === 1 && fields[0] === '') continue
    yield { line: start, fields }
  }
}

function usage(what: string, line: number, message: string): HubError {
  return new HubError('HUB_USAGE', `${what} line ${line} ${message}`)
}
