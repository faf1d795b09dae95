import type { DriftWindowView } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { buckets } from '../test-fixtures.ts'
import { driftSeries, labelShares, latencySeries, predictionRate, topFeatures } from './chart-data.ts'

const b = (t: number, count: number, labels: Record<string, number> = {}, meanLatencyMs: number | null = 2) =>
  ({ t, count, meanConfidence: 0.9, meanLatencyMs, labels })

describe('prediction charts', () => {
  it('fills the buckets the hub leaves out with zero predictions per second', () => {
    const data = predictionRate(buckets(0, 40_000, 10_000, [b(0, 50), b(20_000, 100)]))
    expect(data.x).toEqual([0, 10, 20, 30])
    expect(data.series[0]?.values).toEqual([5, 0, 10, 0])
  })

  it('shows mean latency per bucket and the latest p95 the device reported within each bucket', () => {
    const data = latencySeries(buckets(0, 30_000, 10_000, [b(0, 5, {}, 1.5), b(10_000, 5, {}, null)]), [
      { at: 2_000, value: 4 },
      { at: 8_000, value: 6 },
      { at: 25_000, value: 9 },
      { at: 99_000, value: 100 },
    ])
    expect(data.series.map((s) => [s.label, s.values])).toEqual([
      ['mean', [1.5, null, null]],
      ['p95 (reported)', [6, null, 9]],
    ])
  })

  it("gives each label's share of a bucket's predictions, the rare ones as other", () => {
    const data = labelShares(buckets(0, 20_000, 10_000, [b(0, 4, { a: 3, b: 1 }), b(10_000, 4, { a: 1, c: 1, d: 2 })]), 2)
    expect(data.series.map((s) => [s.label, s.values])).toEqual([
      ['a', [75, 25]],
      ['d', [0, 50]],
      ['other', [25, 25]],
    ])
  })

  it('does not fold a single extra label into other', () => {
    const data = labelShares(buckets(0, 10_000, 10_000, [b(0, 3, { a: 1, b: 1, c: 1 })]), 2)
    expect(data.series.map((s) => s.label)).toEqual(['a', 'b', 'c'])
  })
})

function window(ts: number, features: Record<string, number>): DriftWindowView {
  return {
    ts, start: ts - 1000, scope: 'device', deviceId: 'pi-01', seq: 1, model: { name: 'gas-sensor', version: '1.0.0' }, count: 100,
    driftShare: 0, dataDrift: false,
    features: Object.entries(features).map(([name, psi]) => ({
      name, count: 100, missingRate: 0, psi, jensenShannon: psi / 10, ks: 0, ksPValue: 1, wasserstein: 0,
      thresholds: { psi: 0.2, jensenShannon: 0.02, ks: 0.1, wasserstein: 1 }, drifted: psi > 0.2,
    })),
  }
}

describe('drift chart', () => {
  it('picks the features with the highest statistic in the newest window and plots them oldest window first', () => {
    // newest first, as the hub answers
    const windows = [window(3000, { f1: 0.05, f2: 0.4, f3: 0.3 }), window(2000, { f1: 0.5, f2: 0.1, f3: 0.2 })]
    expect(topFeatures(windows, 'psi', 2)).toEqual(['f2', 'f3'])
    const data = driftSeries(windows, 'psi', 2)
    expect(data.x).toEqual([2, 3])
    expect(data.series).toEqual([
      { label: 'f2', values: [0.1, 0.4] },
      { label: 'f3', values: [0.2, 0.3] },
    ])
  })

  it('plots the chosen statistic', () => {
    const data = driftSeries([window(1000, { f1: 0.5 })], 'jensenShannon')
    expect(data.series[0]?.values).toEqual([0.05])
  })
})
