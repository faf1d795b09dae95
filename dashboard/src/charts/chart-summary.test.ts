import { describe, expect, it } from 'vitest'
import { labelSummary, latencySummary, rateSummary } from './chart-summary.ts'

describe('chart summaries', () => {
  it('says when there is nothing to show', () => {
    expect(rateSummary({ x: [], series: [{ label: 'r', values: [] }] }, 0)).toBe('No predictions in this range.')
    expect(latencySummary({ x: [1], series: [{ label: 'mean', values: [null] }, { label: 'p95', values: [null] }] })).toBe('No latency figures in this range.')
    expect(labelSummary({ x: [1], series: [] })).toBe('No labelled predictions in this range.')
  })

  it('gives the mean and peak rate and the label shares in words', () => {
    expect(rateSummary({ x: [1, 2], series: [{ label: 'r', values: [1, 3] }] }, 40)).toMatch(/^40 predictions: 2 per second on average, at most 3\.$/)
    expect(labelSummary({ x: [1, 2], series: [{ label: 'b', values: [10, 30] }, { label: 'a', values: [90, 70] }] })).toBe('Mean share per bucket: a 80 %, b 20 %.')
  })
})
