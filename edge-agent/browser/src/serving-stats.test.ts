import { describe, expect, it } from 'vitest'
import { ServingStats } from './serving-stats.ts'

describe('ServingStats', () => {
  it('reports counters, mean and p95 latency per status interval, and the frame rate of the last frames', () => {
    const s = new ServingStats()
    for (let i = 1; i <= 20; i++) s.recordFrame(i, i * 50)
    s.recordError()
    expect(s.fps(1000)).toBeCloseTo(20)
    expect(s.fps(5000)).toBe(0)
    expect(s.recentLatencyMs()).toBeCloseTo(10.5)
    expect(s.takeInterval()).toEqual({
      counters: { predictions: 20, invalidReadings: 0, droppedReadings: 0, errors: 1, inferenceErrors: 1, inferenceRuns: 20 },
      latencyMs: 10.5,
      latencyP95Ms: 19,
    })
    // the next interval starts empty; the counters go on
    expect(s.takeInterval()).toEqual({ counters: expect.objectContaining({ inferenceRuns: 20 }) })
  })
})
