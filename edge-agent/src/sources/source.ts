import type { ErrorCode, ImagePreprocessing } from '@edgefleet/protocol'
import type { BoxTransform } from '@edgefleet/models/vision'
import type { AgentLocalCode } from '../errors.ts'

/** A camera frame prepared for an image model (`prepareFrame` of `@edgefleet/models/camera`). */
export interface FrameInput {
  /** the model input of one frame, laid out as the model's preprocessing says (`[1, C, H, W]` or `[1, H, W, C]`) */
  tensor: Float32Array
  /** `IMAGE_STATISTICS` of the frame at the model's input size: the image model's drift features */
  statistics: Float64Array
  /** size of the original image (after EXIF orientation), for boxes in its pixels */
  source: { width: number; height: number }
  /** maps boxes normalised to the model input back to the original image */
  transform: BoxTransform
  /** wall time spent decoding, resizing and normalising it, ms */
  prepareMs: number
}

/** One reading ready for the model: raw feature values in the model's feature order, or a prepared frame. */
export interface SourceRecord {
  id: string
  ts: number
  /**
   * tabular readings: the raw feature values in the model's feature order. Frames: the image model
   * fills it with its drift features (image statistics, then detection statistics) once it has read
   * the frame's prediction, before the drift monitor sees the batch.
   */
  values: Float64Array
  /** camera frames: the prepared model input and what the image model reads besides it */
  frame?: FrameInput
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
  code: Extract<ErrorCode, `AGENT_${string}` | `PROTOCOL_${string}`> | Extract<AgentLocalCode, 'AGENT_FRAME_INVALID' | 'AGENT_SNAPSHOT_FAILED'>
  message: string
  /** where it came from: `file:line`, a topic, `stdin:line`, a frame's file name or snapshot URL */
  where: string
}

/** What a source writes into: the queue, and a place to report rejections and drops. */
export interface SourceContext {
  /** the model's feature names, in order (an image model's: its drift features) */
  features: readonly string[]
  /** an image model's preprocessing: camera sources prepare every frame with it */
  image?: ImagePreprocessing
  /** waits while the queue is full (file sources) */
  push(record: SourceRecord): Promise<boolean>
  /** never waits; false when the queue is full and the record was dropped (live sources) */
  tryPush(record: SourceRecord): boolean
  reject(rejection: Rejection): void
  signal: AbortSignal
}

/** What a source produces: tabular readings (the default) or camera frames for an image model. */
export type SourceInput = 'tabular' | 'image'

/** A source of readings: files replay to the end, live sources run until the signal aborts. */
export interface Source {
  readonly name: string
  /** what the source feeds; absent means tabular readings */
  readonly input?: SourceInput
  run(ctx: SourceContext): Promise<void>
}
