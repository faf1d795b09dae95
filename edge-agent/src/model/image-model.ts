import type { ImagePreprocessing, Manifest } from '@edgefleet/protocol'
import { DETECTION_STATISTICS, IMAGE_STATISTICS, tensorDims } from '@edgefleet/models/vision'
import type { InferenceBackend, TensorData } from '../backends/backend.ts'
import { AgentError } from '../errors.ts'
import type { SourceRecord } from '../sources/source.ts'
import { frameReader, type FrameDetections, type FrameReader } from './image-readers.ts'
import type { BatchOutput, PredictionFields, ServingModel } from './serving-model.ts'

/** Where a drift feature's value comes from: an index into `IMAGE_STATISTICS` (≥ 0), or a detection statistic. */
const DETECTIONS = -1
const TOP_SCORE = -2

/**
 * An image model ready to serve: takes each record's prepared frame (camera sources run
 * `prepareFrame` with {@link image}), runs `session.run` once per frame when the model's batch
 * dimension is fixed at 1 (one run per batch when it is dynamic), and reads classification (top-k)
 * or detection (score threshold, NMS, boxes 0..1 of the original image) as the manifest says.
 *
 * Its drift features are the manifest's reference feature names (`IMAGE_STATISTICS`, and for
 * detectors `DETECTION_STATISTICS` after them; those two lists when the package has no reference):
 * {@link read} fills each record's `values` with the frame's statistics and its detection count and
 * top score, so drift windows summarise them exactly as they summarise tabular features.
 */
export class ImageModel implements ServingModel {
  readonly input = 'image'
  readonly features: readonly string[]
  readonly image: ImagePreprocessing
  readonly inputName: string
  /** the batch dimension is fixed at 1: one `session.run` per frame */
  readonly perFrame: boolean
  private readonly frameDims: readonly number[]
  private readonly frameSize: number
  private readonly reader: FrameReader
  private readonly sourceOf: Int32Array

  constructor(
    readonly manifest: Manifest,
    readonly backend: InferenceBackend,
  ) {
    const id = `${manifest.name}@${manifest.version}`
    const input = manifest.inputs[0]!
    const pre = input.preprocessing
    if (manifest.inputs.length !== 1 || input.kind !== 'image' || pre.type !== 'image') {
      throw new AgentError('MODEL_INPUT_UNSUPPORTED', `${id} is not a single-input image model (kind ${input.kind}, ${pre.type} preprocessing); tabular models read --csv, --jsonl, --stdin or --mqtt-url`)
    }
    this.image = pre
    this.inputName = input.name
    this.frameDims = tensorDims(pre)
    this.frameSize = this.frameDims.reduce((a, b) => a * b, 1)
    this.perFrame = checkShape(id, input.shape, this.frameDims)
    this.reader = frameReader(manifest)
    const detector = manifest.postprocessing.type === 'detection'
    const reference = manifest.reference.features.map((f) => f.name)
    this.features = reference.length > 0 ? reference : [...IMAGE_STATISTICS, ...(detector ? DETECTION_STATISTICS : [])]
    this.sourceOf = Int32Array.from(this.features, (name) => {
      const i = (IMAGE_STATISTICS as readonly string[]).indexOf(name)
      if (i >= 0) return i
      if (detector && name === 'detections') return DETECTIONS
      if (detector && name === 'top_score') return TOP_SCORE
      throw new AgentError('MODEL_MANIFEST_INVALID', `${id}'s reference statistics name ${name}, which is not an image statistic (${IMAGE_STATISTICS.join(', ')})${detector ? ` or a detection statistic (${DETECTION_STATISTICS.join(', ')})` : ''}: rebuild the package`)
    })
  }

  /** A batch buffer for up to `rows` frames. */
  allocate(rows: number): Float32Array {
    return new Float32Array(rows * this.frameSize)
  }

  /** Copies one prepared frame into `batch` at row `index`. */
  put(frame: ArrayLike<number>, batch: Float32Array, index: number): void {
    if (frame.length !== this.frameSize) {
      throw new AgentError('MODEL_INPUT_UNSUPPORTED', `a frame of ${frame.length} values reached ${this.manifest.name}, which reads [${this.frameDims.join(', ')}] (${this.frameSize} values): camera sources must prepare frames with the served model's preprocessing`)
    }
    batch.set(frame, index * this.frameSize)
  }

  /** Runs the first `rows` frames: one run per frame when the batch dimension is fixed at 1, else one run. */
  async run(batch: Float32Array, rows: number): Promise<BatchOutput> {
    const size = this.frameSize
    if (!this.perFrame) {
      const data = rows * size === batch.length ? batch : batch.subarray(0, rows * size)
      return this.collect([await this.backend.run({ [this.inputName]: { data, dims: [rows, ...this.frameDims.slice(1)] } })], rows)
    }
    const runs: Record<string, TensorData>[] = []
    for (let r = 0; r < rows; r++) {
      runs.push(await this.backend.run({ [this.inputName]: { data: batch.subarray(r * size, (r + 1) * size), dims: this.frameDims } }))
    }
    return this.collect(runs, rows)
  }

  /** Reads frame `i`'s prediction, and completes its record's drift values (see the class comment). */
  read(output: BatchOutput, i: number, into: PredictionFields, withScores = false, record?: SourceRecord): void {
    const frame = record?.frame
    const found = this.reader.read(output, i, into, withScores, frame)
    if (frame) into.image = { width: frame.source.width, height: frame.source.height }
    if (record) record.values = this.driftValues(frame?.statistics, found)
  }

  private driftValues(statistics: Float64Array | undefined, found: FrameDetections | undefined): Float64Array {
    const values = new Float64Array(this.features.length)
    for (let j = 0; j < values.length; j++) {
      const from = this.sourceOf[j]!
      values[j] = from >= 0 ? (statistics?.[from] ?? NaN) : from === DETECTIONS ? (found?.detections ?? NaN) : (found?.topScore ?? NaN)
    }
    return values
  }

  private collect(runs: readonly Record<string, TensorData>[], rows: number): BatchOutput {
    const [main, ...rest] = this.reader.outputs.map((name) => concat(runs.map((o) => {
      const t = o[name]
      if (!t) throw new AgentError('MODEL_OUTPUT_INVALID', `${this.manifest.name}@${this.manifest.version} has no output ${name}; the manifest names it`)
      return t.data
    })))
    const tensors: Record<string, Float32Array> = {}
    this.reader.outputs.slice(1).forEach((name, k) => (tensors[name] = rest[k]!))
    return { data: main!, width: main!.length / rows, tensors }
  }
}

/**
 * Checks an image input's declared shape against the preprocessing's tensor (`[1, C, H, W]` or
 * `[1, H, W, C]`): true when the batch dimension is fixed at 1 (one run per frame), false when it is
 * dynamic. A fixed batch over 1 cannot take a variable number of frames.
 */
function checkShape(id: string, shape: Manifest['inputs'][number]['shape'], frame: readonly number[]): boolean {
  const fits = shape.length === frame.length && shape.every((d, k) => k === 0 || typeof d !== 'number' || d === frame[k])
  if (!fits) {
    throw new AgentError('MODEL_MANIFEST_INVALID', `${id}'s input shape [${shape.join(', ')}] does not hold the frames its preprocessing makes ([batch, ${frame.slice(1).join(', ')}]): rebuild the package`)
  }
  const batch = shape[0]!
  if (typeof batch === 'number' && batch !== 1) {
    throw new AgentError('MODEL_INPUT_UNSUPPORTED', `${id} takes exactly ${batch} frames per run; the agent serves image models whose batch dimension is 1 or dynamic`)
  }
  return batch === 1
}

function concat(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
