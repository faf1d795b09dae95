import { readFile } from 'node:fs/promises'
import type { ImagePreprocessing, Manifest } from '@edgefleet/protocol'
import type { InferenceSession } from 'onnxruntime-web'
import { prepareFrame } from '../camera/prepare-frame.ts'
import { runFloat } from '../build/onnx/ort-session.ts'
import type { BuildProgress } from '../build/build-types.ts'
import { DETECTION_STATISTICS, decodeDetections, type DetectionSettings } from '../vision/decode-detections.ts'
import { IMAGE_STATISTICS } from '../vision/image-statistics.ts'
import { featureReference } from './feature-reference.ts'
import { decodePhoto, viewOf, type ReferenceView } from './image-views.ts'
import { outputReference } from './output-reference.ts'

/** How to read an image model's outputs for reference statistics. */
export type ImageReadout =
  /** a detector: the `scores` and `boxes` outputs, decoded as the agent decodes them */
  | { kind: 'detection'; scores: string; boxes: string; post: DetectionSettings }
  /** a classifier: one output of class scores (softmax applied first when they are logits) */
  | { kind: 'classification'; output: string; classCount: number; logits: boolean }

/** What {@link imageReference} runs. */
export interface ImageReferenceRun {
  session: InferenceSession
  /** image files (any format sharp reads) */
  images: readonly string[]
  /** the views cut from each image (`REFERENCE_VIEWS`, or `FULL_VIEW` for the images as they are) */
  views: readonly ReferenceView[]
  inputName: string
  pre: ImagePreprocessing
  readout: ImageReadout
  /** quantile bins per feature (16..64) */
  bins: number
  onProgress?: (p: BuildProgress) => void
}

/** The reference statistics of an image model, and what went into them. */
export interface ImageReferenceResult {
  reference: Omit<Manifest['reference'], 'source'>
  /** frames run (images × views) */
  frames: number
  /** drift feature names, in order: `IMAGE_STATISTICS`, then `DETECTION_STATISTICS` for detectors */
  features: readonly string[]
}

/**
 * Reference statistics of an image model over every view of every image, computed exactly as an
 * agent computes its drift values: each frame goes through `prepareFrame` (the image statistics at the
 * model's input size), the model, and — for detectors — `decodeDetections` (detection count and top
 * score). Classifiers also get the output reference (class distribution, confidence histogram).
 */
export async function imageReference(run: ImageReferenceRun): Promise<ImageReferenceResult> {
  const detector = run.readout.kind === 'detection'
  const features: readonly string[] = detector ? [...IMAGE_STATISTICS, ...DETECTION_STATISTICS] : [...IMAGE_STATISTICS]
  const total = run.images.length * run.views.length
  const columns = features.map(() => new Float64Array(total))
  const classCount = run.readout.kind === 'classification' ? run.readout.classCount : 0
  const probabilities = new Float32Array(total * classCount)
  let row = 0
  let detections = 0
  for (const path of run.images) {
    const photo = await decodePhoto(new Uint8Array(await readFile(path)))
    for (const view of run.views) {
      const frame = await prepareFrame(await viewOf(photo, view), run.pre)
      const out = await runFloat(run.session, { [run.inputName]: { data: frame.tensor, dims: frame.dims } })
      const values: number[] = [...frame.statistics]
      if (run.readout.kind === 'detection') {
        const decoded = decodeDetections(out[run.readout.scores]!, out[run.readout.boxes]!, run.readout.post, frame.transform)
        values.push(decoded.detections.length, decoded.topScore)
        detections += decoded.detections.length
      } else {
        const scores = out[run.readout.output]!.subarray(0, classCount)
        probabilities.set(run.readout.logits ? softmax(scores) : scores, row * classCount)
      }
      values.forEach((v, j) => (columns[j]![row] = v))
      row++
      run.onProgress?.({ stage: 'reference', done: row, total })
    }
  }
  const outputs = detector ? { meanDetections: detections / total } : outputReference(probabilities, classCount)
  return {
    reference: { sampleCount: total, features: features.map((name, j) => featureReference(name, columns[j]!, run.bins)), outputs },
    frames: total,
    features,
  }
}

/** Softmax of one row of logits (float64 sums, max subtracted for stability). */
export function softmax(row: ArrayLike<number>): Float32Array {
  let max = -Infinity
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!)
  const out = new Float32Array(row.length)
  let sum = 0
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max)
  for (let i = 0; i < row.length; i++) out[i] = Math.exp(row[i]! - max) / sum
  return out
}
