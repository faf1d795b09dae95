import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { AgentPrediction, PredictionSink } from './sink.ts'

/**
 * One JSON object per prediction: id, ts, model, version, latencyMs, the prediction fields, and
 * `actual` when the source had a label. Lines are assembled by hand (this runs per reading) with
 * JSON.stringify for every string, so they are always valid JSON. Waits for the stream to drain.
 */
/** Pending output that triggers a write at once. */
const COALESCE_CHARS = 64 * 1024

export class JsonlSink implements PredictionSink {
  private modelKey = ''
  private modelJson = ''
  /** JSON text of labels seen so far: a model has few labels and they repeat on every line */
  private readonly labelJson = new Map<string, string>()

  /** lines not yet handed to the stream: small batches are coalesced into one write */
  private pending: string[] = []
  private pendingChars = 0
  private flushTimer: NodeJS.Immediate | undefined
  /** set while the stream is over its buffer limit: the next write waits for it */
  private drained: Promise<void> | undefined

  constructor(private readonly out: Writable, private readonly ownsStream = false) {}

  /**
   * Writes a batch. Lines are handed to the stream once 64 KB have gathered or on the next turn of
   * the event loop, so batch-1 pipelines do not pay a write per reading. Returns a promise only
   * when the stream is full and the caller must wait for it to drain.
   */
  write(batch: readonly AgentPrediction[], model: { name: string; version: string }): Promise<void> | void {
    const key = `${model.name}@${model.version}`
    if (key !== this.modelKey) {
      this.modelKey = key
      this.modelJson = `"model":${JSON.stringify(model.name)},"version":${JSON.stringify(model.version)}`
    }
    for (let i = 0; i < batch.length; i++) {
      const line = this.line(batch[i]!)
      this.pending.push(line)
      this.pendingChars += line.length
    }
    if (this.pendingChars >= COALESCE_CHARS) this.flush()
    else this.flushTimer ??= setImmediate(() => this.flush())
    return this.drained
  }

  private flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer)
    this.flushTimer = undefined
    if (this.pending.length === 0) return
    const text = this.pending.join('')
    this.pending = []
    this.pendingChars = 0
    if (!this.out.write(text) && !this.drained) {
      this.drained = once(this.out, 'drain').then(() => {
        this.drained = undefined
      })
    }
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
    this.flush()
    if (this.drained) await this.drained
    if (!this.ownsStream) return
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  }
}
