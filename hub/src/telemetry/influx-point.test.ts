import { describe, expect, it } from 'vitest'
import { pointTimeNs, toInfluxPoint } from './influx-point.ts'
import type { PredictionPoint } from './telemetry-store.ts'

const TS = Date.UTC(2025, 0, 15, 12)

describe('InfluxDB point key', () => {
  it('keeps the reading millisecond and puts (seq mod 1000, index) below it', () => {
    expect(pointTimeNs({ ts: TS, seq: 0, index: 0 })).toBe(`${TS}000000`)
    expect(pointTimeNs({ ts: TS, seq: 123_456, index: 7 })).toBe(`${TS}456007`)
    expect(pointTimeNs({ ts: 9_223_372_036_853, seq: Number.MAX_SAFE_INTEGER, index: 999 })).toBe('9223372036853991999')
  })

  it('gives every prediction of a thousand consecutive messages at one millisecond its own timestamp', () => {
    const seen = new Set<string>()
    for (let seq = 5000; seq < 6000; seq++) for (let index = 0; index < 1000; index += 37) seen.add(pointTimeNs({ ts: TS, seq, index }))
    expect(seen.size).toBe(1000 * 28)
  })

  it('is periodic in seq with period 1000 (the documented limit)', () => {
    expect(pointTimeNs({ ts: TS, seq: 17, index: 3 })).toBe(pointTimeNs({ ts: TS, seq: 1017, index: 3 }))
  })

  it('derives series and timestamp from the prediction only, so a resend overwrites itself', () => {
    const p: PredictionPoint = {
      deviceId: 'gas-01', seq: 42, index: 3, ts: TS, model: 'gas-sensor', version: '1.2.0', readingId: 'r-9',
      label: 'Acetone', classIndex: 4, confidence: 0.87, latencyMs: 0.02,
    }
    expect(toInfluxPoint(p)).toEqual(toInfluxPoint({ ...p }))
    expect(toInfluxPoint(p)).toEqual({
      measurement: 'predictions',
      tags: { device: 'gas-01', model: 'gas-sensor', version: '1.2.0', label: 'Acetone' },
      fields: { seq: 42, idx: 3, readingId: 'r-9', latencyMs: 0.02, shadow: false, confidence: 0.87, classIndex: 4 },
      timestamp: `${TS}042003`,
    })
    expect(toInfluxPoint({ ...p, label: '', value: [1, 2] }).tags).not.toHaveProperty('label')
  })
})
