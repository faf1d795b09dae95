import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { AgentPrediction, PredictionSink } from './sink.ts'

/** One aligned line per prediction, for people watching a terminal; marks misses when labels are known. */
export class PrettySink implements PredictionSink {
  constructor(private readonly out: Writable) {}

  write(batch: readonly AgentPrediction[], model: { name: string; version: string }): Promise<void> | void {
    let text = ''
    for (const p of batch) {
      const what = p.label ?? (p.value ? p.value.map((v) => v.toPrecision(4)).join(',') : `class ${p.classIndex}`)
      const confidence = p.confidence === undefined ? '' : ` ${(p.confidence * 100).toFixed(1).padStart(5)}%`
      const truth = p.actual === undefined ? '' : p.actual === p.label ? '  ok' : `  MISS (actual ${p.actual})`
      text += `${p.id.padEnd(18)} ${model.name}@${model.version}  ${what.padEnd(13)}${confidence}  ${p.latencyMs.toFixed(3)} ms${truth}\n`
    }
    if (!this.out.write(text)) return once(this.out, 'drain').then(() => undefined)
  }

  async close(): Promise<void> {}
}
