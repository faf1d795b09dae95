import { describe, expect, it } from 'vitest'
import { allFinite, ModelHealth } from './model-health.ts'

describe('ModelHealth', () => {
  it('counts runs and failed runs since the model was loaded', () => {
    const h = new ModelHealth()
    h.recordRun(1, 10)
    h.recordError(5)
    expect([h.runs, h.errors, h.failedReadings]).toEqual([2, 1, 5])
  })

  it('reports mean and a reading-weighted p95 of per-sample latency per interval, then starts afresh', () => {
    const h = new ModelHealth()
    for (let i = 0; i < 19; i++) h.recordRun(10, 10) // 1 ms per sample
    h.recordRun(100, 10) // one slow batch: 10 ms per sample, 5% of the readings
    const f = h.takeLatency()!
    expect(f.latencyMs).toBeCloseTo(290 / 200)
    expect(f.latencyP95Ms).toBe(1)
    expect(h.takeLatency()).toBeUndefined()
    for (let i = 0; i < 18; i++) h.recordRun(10, 10)
    h.recordRun(100, 10)
    h.recordRun(100, 10) // 10% of the readings are slow
    expect(h.takeLatency()!.latencyP95Ms).toBe(10)
  })

  it('keeps the percentile to the last batches of a busy interval, the mean to all of them', () => {
    const h = new ModelHealth(4)
    for (let i = 0; i < 10; i++) h.recordRun(100, 10)
    for (let i = 0; i < 4; i++) h.recordRun(10, 10)
    const f = h.takeLatency()!
    expect(f.latencyP95Ms).toBe(1)
    expect(f.latencyMs).toBeCloseTo(1040 / 140)
  })

  it('finds non-finite outputs', () => {
    expect(allFinite(new Float32Array([0, 1, -2.5]))).toBe(true)
    expect(allFinite(new Float32Array([0, Number.NaN]))).toBe(false)
    expect(allFinite(new Float32Array([Number.POSITIVE_INFINITY]))).toBe(false)
  })
})
