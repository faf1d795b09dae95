import type { ModelRef, Prediction } from '@edgefleet/protocol'
import type { Static } from 'typebox'

/** A prediction as the agent emits it: the protocol's fields plus the ground truth when the source had it. */
export interface AgentPrediction extends Prediction {
  actual?: string
}

/** Where predictions go: JSONL on a stream, a human table, MQTT (hub issue). */
export interface PredictionSink {
  write(batch: readonly AgentPrediction[], model: Static<typeof ModelRef>): void | Promise<void>
  close(): Promise<void>
}
