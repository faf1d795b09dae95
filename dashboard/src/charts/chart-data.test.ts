import { describe, expect, it } from 'vitest'
import { buckets, driftWindow as window } from '../test-fixtures.ts'
import { bucketGrid, driftSeries, driftThreshold, featuresAboveThreshold, labelShares, latencySeries, predictionRate, topFeatures } from './chart-data.ts'

const b = (t: number, count: number, labels: Record<string, number> = {}, meanLatencyMs: number | null = 2) =>
  ({ t, count, meanConfidence: 0.9, meanLatencyMs, labels })

describe('prediction charts', () => {
  it('fills the buckets the hub leaves out with zero predictions per second', () => {
    const data = predictionRate(buckets(0, 40_000, 10_000, [b(0, 50), b(20_000, 100)]))
    expect(data.x).toEqual([0, 10, 20, 30])
    expect(data.series[0]?.values).toEqual([5, 0, 10, 0])
  })

  it('starts at the first bucket with predictions, not at the start of the range', () => {
    // the device's first predictions came 20 s into the range: no 0/s before them
    const data = predictionRate(buckets(0, 60_000, 10_000, [b(20_000, 100), b(50_000, 80)]))
    expect(data.x).toEqual([20, 30, 40, 50])
    expect(data.series[0]?.values).toEqual([10, 0, 0, 8])
    // data from the range start on: the whole range
    expect(bucketGrid(buckets(0, 30_000, 10_000, [b(0, 1)]))).toEqual([0, 10_000, 20_000])
  })

  it('leaves out the bucket still filling when the hub answered', () => {
    // `to` is 5 s into the bucket at 40 s: its 50 predictions are half a bucket's, not a fall to 5/s
    const data = predictionRate(buckets(0, 45_000, 10_000, [b(20_000, 100), b(30_000, 100), b(40_000, 50)]))
    expect(data.x).toEqual([20, 30])
    expect(data.series[0]?.values).toEqual([10, 10])
    // only a partial bucket so far: nothing to plot yet
    expect(bucketGrid(buckets(0, 45_000, 10_000, [b(40_000, 50)]))).toEqual([])
    expect(bucketGrid(buckets(0, 45_000, 10_000, []))).toEqual([])
  })

  it('leaves gaps, not zeros, in latency and class shares where a bucket has no predictions', () => {
    const data = buckets(0, 40_000, 10_000, [b(10_000, 5, { a: 5 }, 2), b(30_000, 5, { a: 5 }, 3)])
    expect(latencySeries(data, []).series[0]?.values).toEqual([2, null, 3])
    expect(labelShares(data).series[0]?.values).toEqual([100, null, 100])
  })

  it('starts the latency chart at an earlier reported p95', () => {
    const data = latencySeries(buckets(0, 40_000, 10_000, [b(30_000, 5, {}, 2)]), [{ at: 12_000, value: 7 }])
    expect(data.x).toEqual([10, 20, 30])
    expect(data.series.map((s) => s.values)).toEqual([[null, null, 2], [7, null, null]])
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
      { label: 'alert threshold', values: [0.2, 0.2], kind: 'threshold' },
    ])
  })

  it('plots the chosen statistic and its threshold', () => {
    const data = driftSeries([window(1000, { f1: 0.5 })], 'jensenShannon')
    expect(data.series.map((s) => [s.label, s.values])).toEqual([['f1', [0.05]], ['alert threshold', [0.02]]])
  })

  it('draws the lowest threshold of the plotted features where theirs differ, and says so', () => {
    const ordered = [window(1000, { f1: 1, f2: 2, f3: 0 }, { f1: 3, f2: 2.5, f3: 0.5 }), window(2000, { f1: 1, f2: 2 }, { f1: 3, f2: 3 })]
    expect(driftThreshold(ordered, ['f1', 'f2'], 'psi')).toEqual({ values: [2.5, 3], uniform: false })
    expect(driftThreshold(ordered.slice(1), ['f1', 'f2'], 'psi')).toEqual({ values: [3], uniform: true })
    // f3, not plotted, does not lower the line
    const data = driftSeries(ordered, 'psi', 2)
    expect(data.series.at(-1)).toEqual({ label: 'alert threshold (lowest shown)', values: [2.5, 3], kind: 'threshold' })
  })

  it('has no threshold line without features', () => {
    expect(driftSeries([], 'psi').series).toEqual([])
  })

  it('counts each feature against its own threshold', () => {
    const w = window(1000, { f1: 1.9, f2: 2.6, f3: 0.3 }, { f1: 2, f2: 2.5, f3: 0.2 })
    expect(featuresAboveThreshold(w, 'psi')).toEqual(['f2', 'f3'])
    expect(featuresAboveThreshold(w, 'ks')).toEqual([])
  })
})
