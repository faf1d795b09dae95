import type { ImagePreprocessing } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { boxTransform } from './box-transform.ts'
import { decodeDetections } from './decode-detections.ts'

const POST = { type: 'detection', classIndex: 1, scoreThreshold: 0.7, iouThreshold: 0.3, maxDetections: 10, boxFormat: 'corner-normalized' } as const
const IDENTITY = { scaleX: 1, offsetX: 0, scaleY: 1, offsetY: 0 }

/** Two-class scores and corner boxes for candidates given as [face score, x1, y1, x2, y2]. */
function outputs(candidates: readonly (readonly number[])[]): { scores: Float32Array; boxes: Float32Array } {
  const scores = new Float32Array(candidates.length * 2)
  const boxes = new Float32Array(candidates.length * 4)
  candidates.forEach(([s, ...box], i) => {
    scores.set([1 - s!, s!], i * 2)
    boxes.set(box, i * 4)
  })
  return { scores, boxes }
}

describe('decodeDetections', () => {
  it('thresholds, suppresses overlaps and sorts by score', () => {
    const { scores, boxes } = outputs([
      [0.8, 0.1, 0.1, 0.3, 0.3],
      [0.95, 0.11, 0.1, 0.31, 0.3], // overlaps the first: suppresses it
      [0.9, 0.6, 0.6, 0.8, 0.8],
      [0.69, 0.4, 0.4, 0.5, 0.5], // under the threshold
    ])
    const { detections, topScore } = decodeDetections(scores, boxes, POST, IDENTITY, ['background', 'face'])
    expect(detections.map((d) => d.score)).toEqual([Math.fround(0.95), Math.fround(0.9)])
    expect(detections[0]).toMatchObject({ label: 'face' })
    expect(detections[1]!.box.map((v) => +v.toFixed(6))).toEqual([0.6, 0.6, 0.8, 0.8])
    expect(topScore).toBe(Math.fround(0.95))
  })

  it('keeps boxes that overlap no more than the IoU threshold', () => {
    // IoU of these two = 1/3, just over 0.3: with a threshold of 0.34 both stay
    const { scores, boxes } = outputs([[0.9, 0, 0, 0.2, 0.1], [0.8, 0.1, 0, 0.3, 0.1]])
    expect(decodeDetections(scores, boxes, POST, IDENTITY).detections).toHaveLength(1)
    expect(decodeDetections(scores, boxes, { ...POST, iouThreshold: 0.34 }, IDENTITY).detections).toHaveLength(2)
  })

  it('stops at maxDetections and reports the top score of all candidates even below the threshold', () => {
    const candidates = Array.from({ length: 5 }, (_, i) => [0.75 + i * 0.01, i * 0.2, 0, i * 0.2 + 0.1, 0.1])
    const { scores, boxes } = outputs(candidates)
    expect(decodeDetections(scores, boxes, { ...POST, maxDetections: 2 }, IDENTITY).detections.map((d) => d.score)).toEqual([Math.fround(0.79), Math.fround(0.78)])
    const low = outputs([[0.42, 0, 0, 1, 1], [0.1, 0, 0, 1, 1]])
    expect(decodeDetections(low.scores, low.boxes, POST, IDENTITY)).toEqual({ detections: [], topScore: Math.fround(0.42) })
  })

  it('maps boxes to the source image and drops boxes left over the letterbox padding', () => {
    const pre: ImagePreprocessing = { type: 'image', width: 320, height: 240, resize: 'letterbox', channels: 'rgb', layout: 'nchw', scale: 1, mean: [0], std: [1] }
    const t = boxTransform(1920, 1080, pre) // content rows 30..210 of 240
    const { scores, boxes } = outputs([[0.9, 0.25, 0.5, 0.75, 210 / 240], [0.8, 0, 0, 0.1, 20 / 240]])
    const { detections } = decodeDetections(scores, boxes, POST, t)
    expect(detections).toHaveLength(1)
    expect(detections[0]!.box.map((v) => +v.toFixed(5))).toEqual([0.25, +((0.5 * 240 - 30) / 180).toFixed(5), 0.75, 1])
  })

  it('ignores candidates with NaN scores or boxes', () => {
    const { scores, boxes } = outputs([[Number.NaN, 0, 0, 1, 1], [0.9, Number.NaN, 0, 1, 1], [0.8, 0, 0, 0.5, 0.5]])
    const { detections, topScore } = decodeDetections(scores, boxes, POST, IDENTITY)
    expect(detections.map((d) => d.score)).toEqual([Math.fround(0.8)])
    expect(topScore).toBe(Math.fround(0.8))
  })

  it('refuses outputs whose sizes do not fit together', () => {
    expect(() => decodeDetections(new Float32Array(3), new Float32Array(8), POST, IDENTITY)).toThrow(RangeError)
    expect(() => decodeDetections(new Float32Array(2), new Float32Array(4), { ...POST, classIndex: 2 }, IDENTITY)).toThrow(/classIndex/)
  })
})
