import type { ErrorCode } from '@edgefleet/protocol'

/** One reading ready for the model: raw feature values in the model's feature order. */
export interface SourceRecord {
  id: string
  ts: number
  values: Float64Array
  /** ground truth when the source carries it (a label column): lets the agent report accuracy */
  actual?: string
  /**
   * true when `id` is only a counter of this run (an MQTT message or stdin line number the source
   * made up), so another run reuses it: a training sample of this reading gets the agent's own id
   */
  runLocalId?: boolean
}

/** A reading the agent could not use, with why; counted and logged, never fatal. */
export interface Rejection {
  code: Extract<ErrorCode, `AGENT_${string}` | `PROTOCOL_${string}`>
  message: string
  /** where it came from: `file:line`, a topic, `stdin:line` */
  where: string
}

/** What a source writes into: the queue, and a place to report rejections and drops. */
export interface SourceContext {
  /** the model's feature names, in order */
  features: readonly string[]
  /** waits while the queue is full (file sources) */
  push(record: SourceRecord): Promise<boolean>
  /** never waits; false when the queue is full and the record was dropped (live sources) */
  tryPush(record: SourceRecord): boolean
  reject(rejection: Rejection): void
  signal: AbortSignal
}

/** A source of readings: files replay to the end, live sources run until the signal aborts. */
export interface Source {
  readonly name: string
  run(ctx: SourceContext): Promise<void>
}
