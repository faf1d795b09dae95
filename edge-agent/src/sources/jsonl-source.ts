import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import type { Readable } from 'node:stream'
import { ProtocolError, validators, type Reading } from '@edgefleet/protocol'
import { AgentError } from '../errors.ts'
import { FeatureMapper } from './feature-mapper.ts'
import { Pacer } from './pacer.ts'
import type { Source, SourceContext } from './source.ts'
import { splitLines } from './split-lines.ts'

export interface JsonlSourceOptions {
  /** a file path, or `-` for standard input */
  path: string
  rate?: number
  /** stdin override for tests */
  stdin?: Readable
}

/**
 * Reads one reading per line (a JSON object of feature name → value; `id`, `ts`, `label` reserved)
 * from a file or standard input. A bad line is rejected and counted; the rest go on.
 */
export class JsonlSource implements Source {
  readonly name: string
  constructor(private readonly o: JsonlSourceOptions) {
    this.name = o.path === '-' ? 'stdin' : `jsonl:${o.path}`
  }

  async run(ctx: SourceContext): Promise<void> {
    const fromStdin = this.o.path === '-'
    const stream = fromStdin ? (this.o.stdin ?? process.stdin) : createReadStream(this.o.path, { highWaterMark: 1 << 20 })
    const label = fromStdin ? 'stdin' : basename(this.o.path)
    const mapper = new FeatureMapper(ctx.features)
    const pacer = this.o.rate ? new Pacer(this.o.rate) : undefined
    let lineNo = 0
    // an idle stdin would otherwise keep the reader waiting after a stop signal
    const stop = (): void => void stream.destroy()
    ctx.signal.addEventListener('abort', stop, { once: true })
    try {
      for await (const line of splitLines(stream, ctx.signal)) {
        lineNo++
        if (line.trim().length === 0) continue
        const where = `${label}:${lineNo}`
        let reading: Reading
        try {
          const value: unknown = JSON.parse(line)
          reading = validators.reading.parse(value) as Reading
          if (Array.isArray(reading)) throw new ProtocolError('PROTOCOL_PAYLOAD_INVALID', 'a JSONL line holds one reading object, not an array')
        } catch (err) {
          // not JSON, or not a reading object: both are an invalid reading to the user
          ctx.reject({ code: 'AGENT_READING_INVALID', message: (err as Error).message, where })
          continue
        }
        const mapped = mapper.map(reading, `${label}:${lineNo}`, Date.now(), fromStdin)
        if ('rejection' in mapped) {
          ctx.reject({ ...mapped.rejection, where })
          continue
        }
        if (pacer) await pacer.wait(ctx.signal)
        if (!(await ctx.push(mapped.record))) return
      }
    } catch (cause) {
      if (ctx.signal.aborted) return
      throw new AgentError('AGENT_SOURCE_FAILED', `reading ${this.name} failed: ${(cause as Error).message}`, { cause })
    } finally {
      ctx.signal.removeEventListener('abort', stop)
      if (!fromStdin) stream.destroy()
    }
  }
}
