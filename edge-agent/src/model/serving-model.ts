import type { ImagePreprocessing, Manifest } from '@edgefleet/protocol'
import type { InferenceBackend } from '../backends/backend.ts'
import type { AgentPrediction } from '../sinks/sink.ts'
import type { SourceInput, SourceRecord } from '../sources/source.ts'

/** What one batch produced, row by row, in the agent's prediction shape (without id/ts/latency). */
export type PredictionFields = Pick<AgentPrediction, 'label' | 'classIndex' | 'confidence' | 'scores' | 'value' | 'detections' | 'top' | 'image'>

/**
 * The outputs of one batch. `data` holds the model's main output, one row of `width` values per
 * record (a classifier's scores, a detector's per-candidate class scores); `tensors` the other
 * outputs a model reads, rows concatenated in the same record order (a detector's boxes).
 */
export interface BatchOutput {
  data: Float32Array
  width: number
  tensors?: Readonly<Record<string, Float32Array>>
}

/**
 * A model ready to serve, as the pipeline, the model slot and the shadow comparison use it: a
 * {@link TabularModel} or an {@link ImageModel}. The pipeline fills a batch buffer record by record
 * ({@link put}), runs it ({@link run}), checks every output is finite, and reads each row into a
 * prediction ({@link read}).
 */
export interface ServingModel {
  readonly manifest: Manifest
  readonly backend: InferenceBackend
  /** what the sources feed it */
  readonly input: SourceInput
  /** the features drift monitoring summarises, in `SourceRecord.values` order (an image model's: its reference statistics) */
  readonly features: readonly string[]
  /** image models: how camera sources prepare frames */
  readonly image?: ImagePreprocessing
  /** A batch buffer for up to `rows` records. */
  allocate(rows: number): Float32Array
  /** Writes one record's model input (see {@link modelInput}) into `batch` at row `index`. */
  put(input: ArrayLike<number>, batch: Float32Array, index: number): void
  /** Runs the first `rows` rows of `batch`. */
  run(batch: Float32Array, rows: number): Promise<BatchOutput>
  /**
   * Reads row `i` into `into`, in place (this runs per record). `record` is the row's record: an
   * image model maps boxes through its frame's transform and completes its drift `values` there
   * (image statistics from the source, detection statistics from this output) — the pipeline's
   * per-record hook after inference, before the drift monitor sees the batch.
   */
  read(output: BatchOutput, i: number, into: PredictionFields, withScores?: boolean, record?: SourceRecord): void
}

/** The model input of a record: its prepared frame (image sources) or its feature values. */
export function modelInput(record: SourceRecord): ArrayLike<number> {
  return record.frame?.tensor ?? record.values
}
