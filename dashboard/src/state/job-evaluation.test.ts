import { describe, expect, it } from 'vitest'
import { evaluationLine, evaluationRows, evaluationVerdict, formatDifference, formatPoints, improvementLine, metricLabel } from './job-evaluation.ts'
import { evaluation } from './job-test-fixtures.ts'

describe('job evaluation', () => {
  it("compares candidate and current on the gate's metric, as percentages", () => {
    expect(evaluationLine(evaluation(), 'en')).toBe('accuracy 81.4 % vs 50.8 %')
    expect(evaluationLine(evaluation({ metric: 'macroF1' }), 'en')).toBe('macro-F1 79 % vs 41 %')
    expect(evaluationLine(evaluation({ candidate: { rows: 0 } }), 'en')).toBe('accuracy — vs 50.8 %')
  })

  it('says whether the candidate cleared the margin in words', () => {
    expect(evaluationVerdict(evaluation()).word).toBe('passed')
    expect(evaluationVerdict(evaluation({ passed: false })).word).toBe('below margin')
  })

  it('writes differences of fractions in percentage points, signed when asked', () => {
    expect(formatPoints(0.3059, { signed: true, locale: 'en' })).toBe('+30.6 points')
    expect(formatPoints(-0.005, { signed: true, locale: 'en' })).toBe('−0.5 points')
    expect(formatPoints(0.01, { locale: 'en' })).toBe('1 point')
    expect(formatPoints(0, { signed: true, locale: 'en' })).toBe('0 points')
    expect(formatDifference('loss', -0.0213, { signed: true, locale: 'en' })).toBe('−0.0213')
    expect(improvementLine(evaluation({ improvement: -0.02, passed: false }), 'en')).toBe('improvement −2 points, margin 1 point')
  })

  it("lists every metric, the gate's first, without the row count", () => {
    const rows = evaluationRows(evaluation({ metric: 'macroF1' }), 'en')
    expect(rows).toEqual([
      { metric: 'macroF1', label: 'macro-F1', gated: true, candidate: '79 %', current: '41 %', difference: '+38 points' },
      { metric: 'accuracy', label: 'accuracy', gated: false, candidate: '81.4 %', current: '50.8 %', difference: '+30.6 points' },
    ])
    expect(metricLabel('logLoss')).toBe('logLoss')
  })

  it('shows a metric only one version has, with a dash for the other', () => {
    const rows = evaluationRows(evaluation({ candidate: { accuracy: 0.9, logLoss: 0.31 }, current: { accuracy: 0.8 } }), 'en')
    expect(rows.find((r) => r.metric === 'logLoss')).toMatchObject({ candidate: '0.31', current: '—', difference: '—' })
  })
})
