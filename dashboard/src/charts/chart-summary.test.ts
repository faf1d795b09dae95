import { describe, expect, it } from 'vitest'
import { driftWindow } from '../test-fixtures.ts'
import { driftSummary, labelSummary, latencySummary, rateSummary, thresholdSummary } from './chart-summary.ts'

describe('chart summaries', () => {
  it('says when there is nothing to show', () => {
    expect(rateSummary({ x: [], series: [{ label: 'r', values: [] }] }, 0)).toBe('No predictions in this range.')
    expect(latencySummary({ x: [1], series: [{ label: 'mean', values: [null] }, { label: 'p95', values: [null] }] })).toBe('No latency figures in this range.')
    expect(labelSummary({ x: [1], series: [] })).toBe('No labelled predictions in this range.')
    expect(rateSummary({ x: [], series: [{ label: 'r', values: [] }] }, 12)).toBe('12 predictions so far, all in the bucket still filling.')
  })

  it('gives the mean and peak rate and the label shares in words', () => {
    expect(rateSummary({ x: [1, 2], series: [{ label: 'r', values: [1, 3] }] }, 40)).toMatch(/^40 predictions: 2 per second on average, at most 3\.$/)
    expect(labelSummary({ x: [1, 2], series: [{ label: 'b', values: [10, 30] }, { label: 'a', values: [90, 70] }] })).toBe('Mean share per bucket: a 80 %, b 20 %.')
  })

  it('says how many features are above their alert threshold in the latest window', () => {
    const older = driftWindow(1000, { f1: 5, f2: 5 })
    const newest = driftWindow(2000, { f1: 1.9, f2: 2.6, f3: 0.1 }, { f1: 2, f2: 2.5, f3: 0.2 })
    expect(thresholdSummary([newest, older], 'psi')).toBe('1 of 3 features above their PSI alert threshold in the latest window.')
    expect(thresholdSummary([], 'psi')).toBeNull()
    expect(driftSummary([newest, older], 'psi')).toBe(
      '2 windows; in the latest, no data drift; 1 of 3 features above their PSI alert threshold. ' +
        'Highest PSI: f2 2.6 (threshold 2.5, drifted), f1 1.9 (threshold 2), f3 0.1 (threshold 0.2).',
    )
  })
})
