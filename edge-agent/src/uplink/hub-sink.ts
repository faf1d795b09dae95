import { Limits, ProtocolError, type ModelRef, type Prediction } from '@edgefleet/protocol'
import type { Static } from 'typebox'
import { silentLogger, type Logger } from '../errors.ts'
import type { AgentPrediction, PredictionSink } from '../sinks/sink.ts'
import type { Uplink } from './outbox.ts'

/** Options of {@link HubPredictionSink}. */
export interface HubPredictionSinkOptions {
  /** mark the batches as made by a shadow model (recorded by the hub, never acted on) */
  shadow?: boolean
  logger?: Logger
}

const LOGGED_REFUSALS = 10

/**
 * Sends prediction batches to the hub as protocol `Predictions` messages through an {@link Uplink}
 * (the hub link, or an outbox): at most `Limits.batchItems` items per message, and a batch over the
 * payload limit is split in halves until it fits. The agent-only `actual` field is left out. A
 * prediction the protocol refuses (say, an id over 128 characters) is isolated by the same halving,
 * counted in `refused` and logged, never fatal. Never waits: the outbox is bounded and drops by policy.
 */
export class HubPredictionSink implements PredictionSink {
  /** predictions the protocol refused, so not sent */
  refused = 0
  private readonly logger: Logger

  constructor(private readonly uplink: Uplink, private readonly o: HubPredictionSinkOptions = {}) {
    this.logger = o.logger ?? silentLogger
  }

  write(batch: readonly AgentPrediction[], model: Static<typeof ModelRef>): void {
    const ref = { name: model.name, version: model.version }
    for (let i = 0; i < batch.length; i += Limits.batchItems) {
      this.send(batch.slice(i, i + Limits.batchItems).map(protocolPrediction), ref)
    }
  }

  async close(): Promise<void> {}

  private send(items: Prediction[], model: Static<typeof ModelRef>): void {
    try {
      this.uplink.enqueue('pred', (seq) => ({
        v: 1, deviceId: this.uplink.deviceId, seq, ts: Date.now(), model, ...(this.o.shadow ? { shadow: true } : {}), items,
      }))
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err
      if (items.length > 1) {
        const half = Math.ceil(items.length / 2)
        this.send(items.slice(0, half), model)
        this.send(items.slice(half), model)
        return
      }
      if (++this.refused <= LOGGED_REFUSALS) this.logger.warn({ id: items[0]?.id, code: err.code }, `prediction not sent to the hub: ${err.message}`)
    }
  }
}

/** The protocol's prediction: the agent's without `actual`, and without absent fields (the schema refuses extra keys). */
export function protocolPrediction(p: AgentPrediction): Prediction {
  const out: Prediction = { id: p.id, ts: p.ts, latencyMs: p.latencyMs }
  if (p.label !== undefined) out.label = p.label
  if (p.classIndex !== undefined) out.classIndex = p.classIndex
  if (p.confidence !== undefined) out.confidence = p.confidence
  if (p.scores !== undefined) out.scores = p.scores
  if (p.value !== undefined) out.value = p.value
  if (p.detections !== undefined) out.detections = p.detections
  return out
}
