import type { Manifest, ManifestOutput } from '@edgefleet/protocol'
import { decodeDetections, topK, type BoxTransform, type DetectionPost } from '@edgefleet/models/vision'
import { softmaxInto } from '../drift/sample-layout.ts'
import { AgentError } from '../errors.ts'
import type { FrameInput } from '../sources/source.ts'
import type { BatchOutput, PredictionFields } from './serving-model.ts'

/** What reading a detector's frame adds to the image statistics: the `DETECTION_STATISTICS`. */
export interface FrameDetections {
  detections: number
  topScore: number
}

/** Reads an image model's outputs for one frame. */
export interface FrameReader {
  /** the outputs to collect per batch: the first becomes `BatchOutput.data`, the rest `tensors` */
  readonly outputs: readonly string[]
  read(output: BatchOutput, i: number, into: PredictionFields, withScores: boolean, frame: FrameInput | undefined): FrameDetections | undefined
}

/** Boxes of a frame without a transform (a bare tensor): model coordinates are the image's. */
const IDENTITY: BoxTransform = { scaleX: 1, offsetX: 0, scaleY: 1, offsetY: 0 }

/** The reader a manifest's postprocessing asks for; MODEL_INPUT_UNSUPPORTED when its outputs do not fit. */
export function frameReader(manifest: Manifest): FrameReader {
  const post = manifest.postprocessing
  const id = `${manifest.name}@${manifest.version}`
  if (post.type === 'classification') {
    const output = manifest.outputs.find((o) => o.role === 'probabilities' || o.role === 'logits')
    if (!output) throw new AgentError('MODEL_INPUT_UNSUPPORTED', `${id} is an image classifier without a probabilities or logits output`)
    return new ClassificationReader(output, post.topK)
  }
  if (post.type === 'detection') {
    const scores = manifest.outputs.find((o) => o.role === 'scores')
    const boxes = manifest.outputs.find((o) => o.role === 'boxes')
    if (!scores || !boxes) throw new AgentError('MODEL_INPUT_UNSUPPORTED', `${id} is a detector without a scores and a boxes output`)
    return new DetectionReader(scores, boxes, post)
  }
  throw new AgentError('MODEL_INPUT_UNSUPPORTED', `${id} has image input and ${post.type} postprocessing; image models are classifiers or detectors`)
}

/** Top-k of a classifier's probabilities (softmax first for logits): top-1 in the prediction, the k best in `top`. */
class ClassificationReader implements FrameReader {
  readonly outputs: readonly string[]
  private readonly logits: boolean
  private readonly labels: readonly string[] | undefined
  private probabilities = new Float64Array(0)

  constructor(output: ManifestOutput, private readonly k: number) {
    this.outputs = [output.name]
    this.logits = output.role === 'logits'
    this.labels = output.labels
  }

  read(output: BatchOutput, i: number, into: PredictionFields, withScores: boolean): undefined {
    const { data, width } = output
    let row: ArrayLike<number> = data.subarray(i * width, (i + 1) * width)
    if (this.logits) {
      if (this.probabilities.length !== width) this.probabilities = new Float64Array(width)
      softmaxInto(data, i * width, width, this.probabilities)
      row = this.probabilities
    }
    const ranked = topK(row, this.k, this.labels)
    const best = ranked[0]
    if (!best) return undefined
    into.classIndex = best.classIndex
    into.confidence = clip01(best.score)
    if (best.label !== undefined) into.label = best.label
    if (this.k > 1) into.top = ranked.map((r) => ({ classIndex: r.classIndex, confidence: clip01(r.score), ...(r.label === undefined ? {} : { label: r.label }) }))
    if (withScores) into.scores = Array.from(row)
    return undefined
  }
}

/** Score threshold, NMS and boxes mapped to the original image, as the manifest's detection postprocessing says. */
class DetectionReader implements FrameReader {
  readonly outputs: readonly string[]
  private readonly labels: readonly string[] | undefined

  constructor(scores: ManifestOutput, boxes: ManifestOutput, private readonly post: DetectionPost) {
    this.outputs = [scores.name, boxes.name]
    this.labels = scores.labels
  }

  read(output: BatchOutput, i: number, into: PredictionFields, _withScores: boolean, frame: FrameInput | undefined): FrameDetections {
    const boxes = output.tensors![this.outputs[1]!]!
    const boxWidth = boxes.length / (output.data.length / output.width)
    const decoded = decodeDetections(
      output.data.subarray(i * output.width, (i + 1) * output.width),
      boxes.subarray(i * boxWidth, (i + 1) * boxWidth),
      this.post,
      frame?.transform ?? IDENTITY,
      this.labels,
    )
    into.detections = decoded.detections
    // the frame's best face score before the threshold, as the browser agent reports it: the hub's
    // confidence figures then mean the same for every detector device
    into.confidence = clip01(decoded.topScore)
    return { detections: decoded.detections.length, topScore: decoded.topScore }
  }
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v
}
