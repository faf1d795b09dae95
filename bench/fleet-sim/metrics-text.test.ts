import { describe, expect, it } from 'vitest'
import { metricSum } from './metrics-text.ts'

const TEXT = `# HELP edgefleet_messages_total Device messages received, by channel and outcome
# TYPE edgefleet_messages_total counter
edgefleet_messages_total{channel="pred",outcome="stored"} 1200
edgefleet_messages_total{channel="pred",outcome="invalid"} 12
edgefleet_messages_total{channel="status",outcome="stored"} 100
edgefleet_messages_total_created{channel="pred",outcome="stored"} 1790000000
edgefleet_predictions_stored_total 12000
`

describe('metricSum', () => {
  it('sums the samples of one metric that carry the labels asked for', () => {
    expect(metricSum(TEXT, 'edgefleet_messages_total', { channel: 'pred', outcome: 'stored' })).toBe(1200)
    expect(metricSum(TEXT, 'edgefleet_messages_total', { outcome: 'stored' })).toBe(1300)
    expect(metricSum(TEXT, 'edgefleet_messages_total')).toBe(1312)
    expect(metricSum(TEXT, 'edgefleet_predictions_stored_total')).toBe(12000)
  })

  it('is 0 for a metric or label set that is not there', () => {
    expect(metricSum(TEXT, 'edgefleet_nothing_total')).toBe(0)
    expect(metricSum(TEXT, 'edgefleet_messages_total', { channel: 'drift' })).toBe(0)
  })
})
