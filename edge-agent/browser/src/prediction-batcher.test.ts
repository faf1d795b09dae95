import type { Prediction } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import type { FrameResult } from './frame-inference.ts'
import { PredictionBatcher } from './prediction-batcher.ts'

const frame = (ts: number, faces: number): FrameResult => ({
  ts, latencyMs: 40, topScore: faces > 0 ? 0.99 : 0.2, statistics: new Float64Array(11),
  detections: Array.from({ length: faces }, () => ({ box: [0.1, 0.1, 0.3, 0.4], score: 0.99 })),
})

describe('PredictionBatcher', () => {
  it('sends one prediction per frame, in batches of at most maxItems or maxAgeMs', () => {
    let now = 0
    const batches: Prediction[][] = []
    const b = new PredictionBatcher({ maxItems: 3, maxAgeMs: 1000, publish: (items) => batches.push(items), now: () => now })
    for (let i = 0; i < 4; i++) b.add(frame(i, i % 2))
    expect(batches.map((items) => items.length)).toEqual([3])
    expect(batches[0]![1]).toMatchObject({ ts: 1, latencyMs: 40, confidence: 0.99, detections: [{ box: [0.1, 0.1, 0.3, 0.4], score: 0.99 }] })
    expect(new Set(batches[0]!.map((p) => p.id)).size).toBe(3)
    b.flushIfDue()
    expect(batches).toHaveLength(1)
    now = 1000
    b.flushIfDue()
    expect(batches.map((items) => items.length)).toEqual([3, 1])
  })

  it('sends a batch early rather than let a crowded scene exceed the payload limit', () => {
    const batches: Prediction[][] = []
    const b = new PredictionBatcher({ maxDetections: 5, publish: (items) => batches.push(items) })
    b.add(frame(0, 3))
    b.add(frame(1, 3))
    b.add(frame(2, 1))
    b.flush()
    expect(batches.map((items) => items.map((i) => i.detections!.length))).toEqual([[3], [3, 1]])
  })
})
