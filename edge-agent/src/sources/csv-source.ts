import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import { parse as parseCsvLine } from 'csv-parse/sync'
import { AgentError } from '../errors.ts'
import { planColumns, expandColumns, looksLikeHeader, type ColumnOptions, type ColumnPlan } from './csv-columns.ts'
import { scanDecimalField, scanned } from './decimal-bytes.ts'
import { parseNumber } from './feature-mapper.ts'
import { Pacer } from './pacer.ts'
import { runCsvWorker } from './csv-worker-client.ts'
import type { Source, SourceContext, SourceRecord } from './source.ts'

export interface CsvSourceOptions extends ColumnOptions {
  path: string
  /** `auto` (default) detects a header from the first row */
  header?: 'auto' | 'yes' | 'no'
  /** replay at this many readings per second; unlimited when absent */
  rate?: number
  /** parse in a worker thread, so parsing and inference use two cores (the CLI's default) */
  parseInWorker?: boolean
}

const NEWLINE = 10
/** readings per shared value buffer */
const SLAB_ROWS = 256
const CR = 13
const COMMA = 44
const QUOTE = 34
/** fromBytes met a quote: the record needs the CSV parser */
const QUOTED = Symbol('quoted')

/**
 * Splits one CSV record into fields. Lines without quotes take a plain split; quoted records go
 * through csv-parse, which handles RFC 4180 quoting and escaped quotes.
 */
export function splitCsvRecord(line: string): string[] {
  if (!line.includes('"')) return line.split(',')
  return (parseCsvLine(line, { relax_column_count: true }) as string[][])[0] ?? []
}

/**
 * Replays a CSV file in order, as fast as the pipeline takes it or at `rate` readings per second.
 * Hot path: records without quotes are split and parsed straight from the file's bytes (exact, see
 * decimal-bytes.ts); quoted records, possibly spanning lines, go through csv-parse.
 */
export class CsvSource implements Source {
  readonly name: string
  constructor(private readonly o: CsvSourceOptions) {
    this.name = `csv:${o.path}`
  }

  async run(ctx: SourceContext): Promise<void> {
    // a paced replay is slow by design: parsing inline keeps each reading's timing exact
    if (this.o.parseInWorker && !this.o.rate) return runCsvWorker(this.o, ctx)
    const sink: CsvReaderSink = {
      emit: (record) => {
        slabUsed++
        return ctx.tryPush(record) || ctx.push(record)
      },
      reject: (r) => ctx.reject(r),
      // rows share slabs of SLAB_ROWS rows: one allocation per slab instead of one per reading
      allocate: (width) => {
        if (slabUsed === SLAB_ROWS || slab.length !== SLAB_ROWS * width) {
          slab = new Float64Array(SLAB_ROWS * width)
          slabUsed = 0
        }
        return slab.subarray(slabUsed * width, (slabUsed + 1) * width)
      },
    }
    let slab = new Float64Array(0)
    let slabUsed = 0
    await readCsvFile(this.o, ctx.features, sink, ctx.signal)
  }
}

/** Reads a whole CSV file through a CsvRecordReader into `sink`. Used inline and by the parse worker. */
export async function readCsvFile(o: CsvSourceOptions, features: readonly string[], sink: CsvReaderSink, signal: AbortSignal): Promise<void> {
  const reader = new CsvRecordReader(o, features, sink, signal)
  const stream = createReadStream(o.path, { highWaterMark: 1 << 20 })
  try {
    let carry: Buffer | undefined
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal.aborted) return
      let buf = chunk
      let pos = 0
      if (carry) {
        // finish the line split across chunks without copying the whole new chunk
        const nl = chunk.indexOf(NEWLINE)
        if (nl === -1) {
          carry = Buffer.concat([carry, chunk])
          continue
        }
        const line = Buffer.concat([carry, chunk.subarray(0, nl)])
        const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length
        if (!(await reader.line(line, 0, end))) return
        carry = undefined
        buf = chunk
        pos = nl + 1
      }
      for (let nl = buf.indexOf(NEWLINE, pos); nl !== -1; nl = buf.indexOf(NEWLINE, pos)) {
        if (signal.aborted) return
        const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl
        if (!(await reader.line(buf, pos, end))) return
        pos = nl + 1
      }
      carry = pos < buf.length ? buf.subarray(pos) : undefined
    }
    if (carry && carry.length > 0) await reader.line(carry, 0, carry.length)
    reader.finish()
  } catch (cause) {
    if (cause instanceof AgentError) throw cause
    if (signal.aborted) return
    throw new AgentError('AGENT_SOURCE_FAILED', `reading ${o.path} failed: ${(cause as Error).message}`, { cause })
  } finally {
    stream.destroy()
  }
}

/** Where a CsvRecordReader puts what it reads: records (may wait: backpressure) and rejections. */
export interface CsvReaderSink {
  emit(record: SourceRecord): boolean | Promise<boolean>
  reject: SourceContext['reject']
  /** storage for one record's feature values */
  allocate(width: number): Float64Array
}

/** Turns the lines of one CSV file into records; keeps the column plan and the quoted-record state. */
export class CsvRecordReader {
  private readonly file: string
  private readonly pacer: Pacer | undefined
  private plan: ColumnPlan | undefined
  /** for each CSV column, the feature it feeds (-1: none) */
  private featureOf = new Int32Array(0)
  private lineNo = 0
  /** a quoted record that continues on the next line */
  private pending: string | undefined

  constructor(
    private readonly o: CsvSourceOptions,
    private readonly features: readonly string[],
    private readonly sink: CsvReaderSink,
    private readonly signal: AbortSignal,
  ) {
    this.file = basename(o.path)
    this.pacer = o.rate ? new Pacer(o.rate) : undefined
  }

  /** Handles bytes[start, end) of one line; false when the pipeline stopped taking records. */
  async line(buf: Buffer, start: number, end: number): Promise<boolean> {
    this.lineNo++
    if (this.pending === undefined && this.plan) {
      if (start === end) return true
      const record = this.fromBytes(buf, start, end)
      if (record !== QUOTED) return record ? this.emit(record) : true
    }
    const text = buf.toString('utf8', start, end)
    const record = this.pending === undefined ? text : `${this.pending}\n${text}`
    if (countQuotes(record) % 2 === 1) {
      this.pending = record
      return true
    }
    this.pending = undefined
    if (record.length === 0) return true
    const fields = splitCsvRecord(record)
    if (!this.plan) {
      const header = this.o.header === 'yes' || (this.o.header !== 'no' && !this.o.columns && looksLikeHeader(fields, this.features))
      const names = this.o.columns ? expandColumns(this.o.columns, this.features) : header ? fields : null
      this.plan = planColumns(names, fields.length, this.features, this.o, this.file)
      this.featureOf = new Int32Array(this.plan.width).fill(-1)
      this.plan.featureColumns.forEach((column, feature) => (this.featureOf[column] = feature))
      if (header) return true
    }
    const parsed = this.fromFields(fields)
    return parsed ? this.emit(parsed) : true
  }

  finish(): void {
    if (this.pending !== undefined) {
      this.sink.reject({ code: 'AGENT_READING_INVALID', message: 'unterminated quoted field at the end of the file', where: `${this.file}:${this.lineNo}` })
    }
  }

  private async emit(record: SourceRecord): Promise<boolean> {
    if (this.pacer) await this.pacer.wait(this.signal)
    return this.sink.emit(record)
  }

  /** Parses an unquoted record from bytes; QUOTED when it meets a quote (the caller takes the text path). */
  private fromBytes(buf: Buffer, start: number, end: number): SourceRecord | undefined | typeof QUOTED {
    const plan = this.plan!
    const values = this.sink.allocate(plan.featureColumns.length)
    let id: string | undefined
    let actual: string | undefined
    let column = 0
    for (let i = start; ; column++) {
      const feature = column < plan.width ? this.featureOf[column]! : -1
      let fieldEnd: number
      if (feature >= 0) {
        let v = scanDecimalField(buf, i, end)
        fieldEnd = scanned.end
        if (v === undefined) {
          fieldEnd = fieldEndOf(buf, i, end)
          if (fieldEnd < 0) return QUOTED
          v = parseNumber(buf.toString('utf8', i, fieldEnd))
        }
        if (v === undefined || Number.isNaN(v)) return this.badValue(feature, v, buf.toString('utf8', i, fieldEnd))
        values[feature] = v
      } else {
        fieldEnd = fieldEndOf(buf, i, end)
        if (fieldEnd < 0) return QUOTED
        if (column === plan.idColumn) id = buf.toString('utf8', i, fieldEnd).trim()
        else if (column === plan.labelColumn) actual = buf.toString('utf8', i, fieldEnd).trim()
      }
      if (fieldEnd >= end) break
      i = fieldEnd + 1
    }
    if (column + 1 !== plan.width) return this.badWidth(column + 1)
    return this.record(values, id, actual)
  }

  private fromFields(fields: string[]): SourceRecord | undefined {
    const plan = this.plan!
    if (fields.length !== plan.width) return this.badWidth(fields.length)
    const values = this.sink.allocate(plan.featureColumns.length)
    for (let j = 0; j < values.length; j++) {
      const field = fields[plan.featureColumns[j]!]!
      const v = parseNumber(field)
      if (v === undefined || Number.isNaN(v)) return this.badValue(j, v, field)
      values[j] = v
    }
    const id = plan.idColumn >= 0 ? fields[plan.idColumn]!.trim() : undefined
    const actual = plan.labelColumn >= 0 ? fields[plan.labelColumn]!.trim() : undefined
    return this.record(values, id, actual)
  }

  private record(values: Float64Array, id: string | undefined, actual: string | undefined): SourceRecord {
    const record: SourceRecord = { id: id || `${this.file}:${this.lineNo}`, ts: Date.now(), values }
    if (actual !== undefined) record.actual = actual
    return record
  }

  private badValue(feature: number, v: number | undefined, field: string): undefined {
    const name = this.features[feature]
    this.sink.reject({
      code: v === undefined ? 'AGENT_FEATURE_NOT_NUMERIC' : 'AGENT_FEATURE_MISSING',
      message: v === undefined ? `feature ${name} is ${JSON.stringify(field.slice(0, 40))}, not a number` : `feature ${name} is empty`,
      where: `${this.file}:${this.lineNo}`,
    })
    return undefined
  }

  private badWidth(width: number): undefined {
    this.sink.reject({ code: 'AGENT_READING_INVALID', message: `has ${width} fields, expected ${this.plan!.width}`, where: `${this.file}:${this.lineNo}` })
    return undefined
  }
}

/** Index of the comma ending the field that starts at `i` (or `end`); -1 when the field has a quote. */
function fieldEndOf(buf: Buffer, i: number, end: number): number {
  for (; i < end; i++) {
    const c = buf[i]
    if (c === COMMA) return i
    if (c === QUOTE) return -1
  }
  return end
}

function countQuotes(s: string): number {
  let n = 0
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++
  return n
}
