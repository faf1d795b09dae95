import type { Detection, Manifest } from '@edgefleet/protocol'
import { mapBox, type BoxTransform } from './box-transform.ts'

/** Per-frame statistics of a detector's output, appended after `IMAGE_STATISTICS` for detection models. */
export const DETECTION_STATISTICS = ['detections', 'top_score'] as const

/** A manifest's `postprocessing` of type `detection`. */
export type DetectionPost = Extract<Manifest['postprocessing'], { type: 'detection' }>

/** The fields of {@link DetectionPost} that decoding uses (a whole `DetectionPost` fits). */
export type DetectionSettings = Pick<DetectionPost, 'classIndex' | 'scoreThreshold' | 'iouThreshold' | 'maxDetections'>

/** What {@link decodeDetections} found in one frame. */
export interface DecodedDetections {
  /** kept boxes, best first */
  detections: Detection[]
  /** the highest `classIndex` score over all candidates, before the threshold (0 when there are none) */
  topScore: number
}

/**
 * Decodes one frame of a detector with per-candidate class scores (`scores`, N × C) and corner-form
 * boxes normalised to the model input (`boxes`, N × 4, `[x1, y1, x2, y2]`), as UltraFace outputs them:
 * candidates whose `classIndex` score exceeds `scoreThreshold` go, best first, through greedy
 * non-maximum suppression (a box is dropped when its IoU with a kept box exceeds `iouThreshold`,
 * computed in model coordinates as the UltraFace authors do) until `maxDetections` are kept; kept boxes
 * are mapped to the source image by `transform` and clipped to 0..1, and a box left with no area (one
 * lying over letterbox padding) is dropped. Candidates with a NaN score or box are ignored.
 */
export function decodeDetections(
  scores: Float32Array,
  boxes: Float32Array,
  post: DetectionSettings,
  transform: BoxTransform,
  labels?: readonly string[],
): DecodedDetections {
  const n = boxes.length / 4
  if (!Number.isInteger(n) || n === 0 || scores.length % n !== 0) {
    throw new RangeError(`boxes must hold N×4 values and scores N×C (got ${boxes.length} and ${scores.length})`)
  }
  const classes = scores.length / n
  if (post.classIndex >= classes) throw new RangeError(`classIndex ${post.classIndex} is outside the ${classes} score columns`)
  let topScore = 0
  const candidates: number[] = []
  for (let i = 0; i < n; i++) {
    const s = scores[i * classes + post.classIndex]!
    if (!(s === s) || !validBox(boxes, i)) continue
    if (s > topScore) topScore = s
    if (s > post.scoreThreshold) candidates.push(i)
  }
  candidates.sort((a, b) => scores[b * classes + post.classIndex]! - scores[a * classes + post.classIndex]! || a - b)
  const kept = greedyNms(boxes, candidates, post.iouThreshold, post.maxDetections)
  const label = labels?.[post.classIndex]
  const detections: Detection[] = []
  for (const i of kept) {
    const box = mapBox(transform, boxes.subarray(i * 4, i * 4 + 4))
    if (box[2] <= box[0] || box[3] <= box[1]) continue
    const score = Math.min(1, Math.max(0, scores[i * classes + post.classIndex]!))
    detections.push(label === undefined ? { box, score } : { box, score, label })
  }
  return { detections, topScore }
}

function validBox(boxes: Float32Array, i: number): boolean {
  for (let k = i * 4; k < i * 4 + 4; k++) if (!Number.isFinite(boxes[k]!)) return false
  return true
}

/** Indices kept by greedy NMS over `order` (best first). */
function greedyNms(boxes: Float32Array, order: readonly number[], iouThreshold: number, max: number): number[] {
  const kept: number[] = []
  for (const i of order) {
    if (kept.length >= max) break
    if (kept.every((j) => iou(boxes, i, j) <= iouThreshold)) kept.push(i)
  }
  return kept
}

function iou(boxes: Float32Array, a: number, b: number): number {
  const ax1 = boxes[a * 4]!, ay1 = boxes[a * 4 + 1]!, ax2 = boxes[a * 4 + 2]!, ay2 = boxes[a * 4 + 3]!
  const bx1 = boxes[b * 4]!, by1 = boxes[b * 4 + 1]!, bx2 = boxes[b * 4 + 2]!, by2 = boxes[b * 4 + 3]!
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1))
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1))
  const inter = iw * ih
  const union = Math.max(0, ax2 - ax1) * Math.max(0, ay2 - ay1) + Math.max(0, bx2 - bx1) * Math.max(0, by2 - by1) - inter
  return union > 0 ? inter / union : 0
}
