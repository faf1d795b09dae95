import { describe, expect, it } from 'vitest'
import { rollout } from '../test-fixtures.ts'
import { countsText, formatGateFigure, stageRows } from './rollout-progress.ts'

const counts = (c: Record<string, number>) => ({ pending: 0, installing: 0, active: 0, failed: 0, 'rolled-back': 0, offline: 0, ...c })

describe('rollout progress', () => {
  it('gives one row per wave, numbered from 1, with active devices out of the expected ones', () => {
    const r = rollout('r', {
      state: 'soaking', wave: 1,
      progress: {
        targeted: 20, unassigned: 8,
        waves: [
          { index: 0, percent: 10, expected: 2, assigned: 2, counts: counts({ active: 2 }) },
          { index: 1, percent: 50, expected: 8, assigned: 10, counts: counts({ active: 7, failed: 1, installing: 2 }) },
          { index: 2, percent: 100, expected: 10, assigned: 0, counts: counts({}) },
        ],
        shadow: null,
      },
    })
    expect(stageRows(r).map((w) => [w.label, w.value, w.max, w.countsText, w.phase])).toEqual([
      ['Wave 1', 2, 2, 'active 2', 'done'],
      ['Wave 2', 7, 10, 'installing 2 · active 7 · failed 1', 'current'],
      ['Wave 3', 0, 10, 'no devices yet', 'next'],
    ])
  })

  it('puts the shadow stage first while it runs', () => {
    const r = rollout('r', {
      state: 'shadow', shadow: { soakMs: 60_000, percent: 10 },
      progress: {
        targeted: 10, unassigned: 9, shadow: { assigned: 1, counts: counts({ installing: 1 }) },
        waves: [{ index: 0, percent: 10, expected: 1, assigned: 0, counts: counts({}) }],
      },
    })
    expect(stageRows(r).map((w) => [w.label, w.phase, w.countsText])).toEqual([
      ['Shadow stage', 'current', 'installing 1'],
      ['Wave 1', 'next', 'no devices yet'],
    ])
  })

  it('keeps a state the dashboard does not know yet in the counts', () => {
    expect(countsText({ active: 1, quarantined: 2 })).toBe('active 1 · quarantined 2')
  })

  it('shows rates as percentages and alert counts as counts', () => {
    expect(formatGateFigure('install-failure-rate', 0.125, 'en-US')).toBe('12.5 %')
    expect(formatGateFigure('drift-alerts', 3)).toBe('3')
    expect(formatGateFigure('latency-p95', null)).toBe('—')
  })
})
