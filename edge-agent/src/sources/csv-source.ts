import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import { parse as parseCsvLine } from 'csv-parse/sync'
import { AgentError } from '../errors.ts'
import { planColumns, expandColumns, looksLikeHeader, type ColumnOptions, type ColumnPlan } from './csv-columns.ts'
import { parseNumber } from './feature-mapper.ts'
import { Pacer } from './pacer.ts'
import type { Source, SourceContext } from './source.ts'
import { splitLines } from './split-lines.ts'

export interface CsvSourceOptions extends ColumnOptions {
  path: string
  /** `auto` (default) detects a header from the first row */
  header?: 'auto' | 'yes' | 'no'
  /** replay at this many readings per second; unlimited when absent */
  rate?: number
}

/**
 * Splits one CSV record into fields. Lines without quotes take the fast path (a plain split);
 * quoted records go through csv-parse, which handles RFC 4180 quoting and escaped quotes.
 */
export function splitCsvRecord(line: string): string[] {
  if (!line.includes('"')) return line.split(',')
  return (parseCsvLine(line, { relax_column_count: true }) as string[][])[0] ?? []
}

/** Replays a CSV file in order, as fast as the pipeline takes it or at `rate` readings per second. */
export class CsvSource implements Source {
  readonly name: string
  constructor(private readonly o: CsvSourceOptions) {
    this.name = `csv:${o.path}`
  }

  async run(ctx: SourceContext): Promise<void> {
    const file = basename(this.o.path)
    const stream = createReadStream(this.o.path, { highWaterMark: 1 << 20 })
    const pacer = this.o.rate ? new Pacer(this.o.rate) : undefined
    let plan: ColumnPlan | undefined
    let lineNo = 0
    try {
      for await (const line of splitLines(stream, ctx.signal)) {
        lineNo++
        if (line.length === 0) continue
        const fields = splitCsvRecord(line)
        if (!plan) {
          const header = this.o.header === 'yes' || (this.o.header !== 'no' && !this.o.columns && looksLikeHeader(fields, ctx.features))
          const names = this.o.columns ? expandColumns(this.o.columns, ctx.features) : header ? fields : null
          plan = planColumns(names, fields.length, ctx.features, this.o, file)
          if (header) continue
        }
        const where = `${file}:${lineNo}`
        if (fields.length !== plan.width) {
          ctx.reject({ code: 'AGENT_READING_INVALID', message: `has ${fields.length} fields, expected ${plan.width}`, where })
          continue
        }
        const values = new Float64Array(plan.featureColumns.length)
        let bad: string | undefined
        for (let j = 0; j < values.length; j++) {
          const v = parseNumber(fields[plan.featureColumns[j]!])
          if (v === undefined || Number.isNaN(v)) {
            bad = ctx.features[j]
            ctx.reject({
              code: v === undefined ? 'AGENT_FEATURE_NOT_NUMERIC' : 'AGENT_FEATURE_MISSING',
              message: v === undefined ? `feature ${bad} is ${JSON.stringify(fields[plan.featureColumns[j]!])}, not a number` : `feature ${bad} is empty`,
              where,
            })
            break
          }
          values[j] = v
        }
        if (bad !== undefined) continue
        if (pacer) await pacer.wait(ctx.signal)
        const record = {
          id: plan.idColumn >= 0 ? fields[plan.idColumn]! : `${file}:${lineNo}`,
          ts: Date.now(),
          values,
          ...(plan.labelColumn >= 0 ? { actual: fields[plan.labelColumn]! } : {}),
        }
        if (!(await ctx.push(record))) return
      }
    } catch (cause) {
      if (cause instanceof AgentError) throw cause
      if (ctx.signal.aborted) return
      throw new AgentError('AGENT_SOURCE_FAILED', `reading ${this.o.path} failed: ${(cause as Error).message}`, { cause })
    } finally {
      stream.destroy()
    }
  }
}
