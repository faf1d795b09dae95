import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { AgentPrediction, PredictionSink } from './sink.ts'

/**
 * One JSON object per prediction: id, ts, model, version, the prediction fields, latencyMs, and
 * `actual` when the source had a label. Waits for the stream to drain (backpressure).
 */
export class JsonlSink implements PredictionSink {
  constructor(private readonly out: Writable, private readonly ownsStream = false) {}

  async write(batch: readonly AgentPrediction[], model: { name: string; version: string }): Promise<void> {
    let text = ''
    for (const p of batch) text += JSON.stringify({ id: p.id, ts: p.ts, model: model.name, version: model.version, ...rest(p) }) + '\n'
    if (!this.out.write(text)) await once(this.out, 'drain')
  }

  async close(): Promise<void> {
    if (!this.ownsStream) return
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  }
}

function rest(p: AgentPrediction): Omit<AgentPrediction, 'id' | 'ts'> {
  const { id: _id, ts: _ts, ...others } = p
  return others
}
