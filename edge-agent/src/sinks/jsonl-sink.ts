import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { AgentPrediction, PredictionSink } from './sink.ts'

/**
 * One JSON object per prediction: id, ts, model, version, latencyMs, the prediction fields, and
 * `actual` when the source had a label. Lines are assembled by hand (this runs per reading) with
 * JSON.stringify for every string, so they are always valid JSON. Waits for the stream to drain.
 */
export class JsonlSink implements PredictionSink {
  private modelKey = ''
  private modelJson = ''
  /** JSON text of labels seen so far: a model has few labels and they repeat on every line */
  private readonly labelJson = new Map<string, string>()

  constructor(private readonly out: Writable, private readonly ownsStream = false) {}

  /** Writes a batch; returns a promise only when the stream is full and the caller must wait for it to drain. */
  write(batch: readonly AgentPrediction[], model: { name: string; version: string }): Promise<void> | void {
    const key = `${model.name}@${model.version}`
    if (key !== this.modelKey) {
      this.modelKey = key
      this.modelJson = `"model":${JSON.stringify(model.name)},"version":${JSON.stringify(model.version)}`
    }
    const lines = new Array<string>(batch.length)
    for (let i = 0; i < batch.length; i++) lines[i] = this.line(batch[i]!)
    if (!this.out.write(lines.join(''))) return once(this.out, 'drain').then(() => undefined)
  }

  private line(p: AgentPrediction): string {
    let s = `{"id":${JSON.stringify(p.id)},"ts":${p.ts},${this.modelJson},"latencyMs":${p.latencyMs}`
    if (p.label !== undefined) s += `,"label":${this.label(p.label)}`
    if (p.classIndex !== undefined) s += `,"classIndex":${p.classIndex}`
    if (p.confidence !== undefined) s += `,"confidence":${p.confidence}`
    if (p.scores !== undefined) s += `,"scores":${JSON.stringify(p.scores)}`
    if (p.value !== undefined) s += `,"value":${JSON.stringify(p.value)}`
    if (p.detections !== undefined) s += `,"detections":${JSON.stringify(p.detections)}`
    if (p.actual !== undefined) s += `,"actual":${this.label(p.actual)}`
    return `${s}}\n`
  }

  private label(text: string): string {
    let json = this.labelJson.get(text)
    if (json === undefined) {
      json = JSON.stringify(text)
      if (this.labelJson.size < 10_000) this.labelJson.set(text, json)
    }
    return json
  }

  async close(): Promise<void> {
    if (!this.ownsStream) return
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  }
}
