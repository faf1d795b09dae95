import type { ModelRef, Prediction } from '@edgefleet/protocol'
import type { Static } from 'typebox'

/** One ranked class of an image classifier's top-k. */
export interface RankedPrediction {
  classIndex: number
  confidence: number
  label?: string
}

/**
 * A prediction as the agent emits it: the protocol's fields plus what only local output shows — the
 * ground truth when the source had it, an image classifier's top-k beyond the first, and the size of
 * the original image a frame's boxes refer to. The hub and the JSONL sink get the protocol fields only.
 */
export interface AgentPrediction extends Prediction {
  actual?: string
  /** image classifiers with `topK` > 1: the k best classes, best first */
  top?: RankedPrediction[]
  /** camera frames: the original image's size (detection boxes are 0..1 of it) */
  image?: { width: number; height: number }
}

/** Where predictions go: JSONL on a stream, a human table, MQTT (hub issue). */
export interface PredictionSink {
  write(batch: readonly AgentPrediction[], model: Static<typeof ModelRef>): void | Promise<void>
  close(): Promise<void>
}
