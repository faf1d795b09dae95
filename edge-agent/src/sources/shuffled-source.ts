import { mulberry32 } from '@edgefleet/protocol'
import { AgentError } from '../errors.ts'
import { Pacer } from './pacer.ts'
import type { Source, SourceContext, SourceRecord } from './source.ts'

export interface ShuffledSourceOptions {
  /** file sources, read to the end first (without pacing) */
  sources: readonly Source[]
  /** seed of the order: the same seed gives the same order */
  seed: number
  /** readings per second when replaying */
  rate?: number
  /** refuse to hold more readings than this in memory (default 1 000 000) */
  maxReadings?: number
}

const DEFAULT_MAX_READINGS = 1_000_000

/**
 * Replays file sources in a seeded random order, all files mixed: reads every reading into memory,
 * shuffles (Fisher–Yates with mulberry32), then replays them, stamped with the time each is replayed.
 * Replayed data sets are often sorted (by class, by time); a shuffled replay is a stationary stream
 * of the same readings, which is what a fair drift check on the reference period needs.
 */
export class ShuffledSource implements Source {
  readonly name: string

  constructor(private readonly o: ShuffledSourceOptions) {
    this.name = `shuffled(${o.sources.map((s) => s.name).join(', ')})`
  }

  async run(ctx: SourceContext): Promise<void> {
    const max = this.o.maxReadings ?? DEFAULT_MAX_READINGS
    const held: SourceRecord[] = []
    const hold = (record: SourceRecord): boolean => {
      if (held.length >= max) {
        throw new AgentError('AGENT_USAGE', `--shuffle holds every reading in memory and stops at ${max}: replay fewer or smaller files, or drop --shuffle`)
      }
      held.push(record)
      return true
    }
    const collect: SourceContext = { ...ctx, push: async (r) => hold(r), tryPush: hold }
    for (const source of this.o.sources) await source.run(collect)
    const next = mulberry32(this.o.seed)
    for (let i = held.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1))
      const t = held[i]!
      held[i] = held[j]!
      held[j] = t
    }
    const pacer = this.o.rate ? new Pacer(this.o.rate) : undefined
    for (const record of held) {
      if (ctx.signal.aborted) return
      if (pacer) await pacer.wait(ctx.signal)
      if (!(await ctx.push({ ...record, ts: Date.now() }))) return
    }
  }
}
