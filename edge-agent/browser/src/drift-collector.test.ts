import type { FeatureReference } from '@edgefleet/protocol'
import type { WindowContent } from '@edgefleet/models/drift'
import { describe, expect, it } from 'vitest'
import { DriftCollector } from './drift-collector.ts'
import type { FrameResult } from './frame-inference.ts'

const feature = (name: string): FeatureReference => ({ name, edges: [0, 1, 10, 300], proportions: [0, 0.3, 0.4, 0.3, 0], mean: 5, std: 2, min: 0, max: 300, missingRate: 0 })
const reference = { sampleCount: 100, source: 'test', features: [feature('mean_r'), feature('detections'), feature('top_score'), feature('not_computed')], outputs: {} }

const frame = (ts: number, faces: number): FrameResult => {
  const statistics = new Float64Array(11)
  statistics[0] = 100 + ts
  return { ts, latencyMs: 40, topScore: 0.5, statistics, detections: Array.from({ length: faces }, () => ({ box: [0, 0, 0.5, 0.5], score: 0.9 })) }
}

describe('DriftCollector', () => {
  it('summarises the reference features of each frame, by name, and closes windows by count and by time', () => {
    let now = 0
    const windows: WindowContent[] = []
    const c = new DriftCollector({ reference, window: { windowSamples: 3, windowSeconds: 60 }, publish: (w) => windows.push(w), now: () => now })
    for (let i = 0; i < 4; i++) c.add(frame(i, i))
    expect(windows).toHaveLength(1)
    const [w] = windows
    expect(w!.window).toEqual({ start: 0, end: 2, count: 3 })
    expect(w!.features.map((f) => [f.name, f.count, f.missing])).toEqual([['mean_r', 3, 0], ['detections', 3, 0], ['top_score', 3, 0], ['not_computed', 0, 3]])
    expect(w!.features[0]).toMatchObject({ min: 100, max: 102, mean: 101 })
    expect(w!.features[1]).toMatchObject({ min: 0, max: 2 })
    expect(w!.outputs).toEqual({ detectionCount: 3 })
    now = 59_999
    c.closeIfDue()
    expect(windows).toHaveLength(1)
    now = 60_000
    c.closeIfDue()
    expect(windows.map((x) => [x.window.count, x.outputs.detectionCount])).toEqual([[3, 3], [1, 3]])
    expect(c.windows).toBe(2)
  })
})
