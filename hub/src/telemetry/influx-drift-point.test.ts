import { describe, expect, it } from 'vitest'
import { driftRecord } from './contract-stores.ts'
import { driftTimeNs, toDriftPoints } from './influx-drift-point.ts'

const TS = Date.UTC(2025, 0, 15, 12)

describe('InfluxDB drift points', () => {
  it('keep the window end millisecond and put seq mod a million below it; the fleet has slot 0', () => {
    expect(driftTimeNs({ ts: TS, seq: 42 })).toBe(`${TS}000042`)
    expect(driftTimeNs({ ts: TS, seq: 1_234_567 })).toBe(`${TS}234567`)
    expect(driftTimeNs({ ts: TS, seq: null })).toBe(`${TS}000000`)
  })

  it('are one window point and one point per feature, tagged by feature, all at the window time', () => {
    const points = toDriftPoints(driftRecord({ deviceId: 'gas-01', seq: 7, ts: TS, features: 3, drifted: [1] }))
    expect(points.map((p) => [p.measurement, p.tags, p.timestamp])).toEqual([
      ['drift_windows', { device: 'gas-01', model: 'gas-sensor', version: '1.0.0' }, `${TS}000007`],
      ...[0, 1, 2].map((i) => ['drift_features', { device: 'gas-01', feature: `f${i}`, model: 'gas-sensor', version: '1.0.0' }, `${TS}000007`]),
    ])
    expect(points[2]!.fields).toMatchObject({ seq: 7, idx: 1, drifted: true })
  })

  it('derive the same points from a resent window, and tag the fleet _fleet without a seq', () => {
    const r = driftRecord({ deviceId: null, ts: TS })
    expect(toDriftPoints(r)).toEqual(toDriftPoints(structuredClone(r)))
    expect(toDriftPoints(r)[0]!.tags!.device).toBe('_fleet')
    expect(toDriftPoints(r).every((p) => !('seq' in p.fields!))).toBe(true)
  })
})
