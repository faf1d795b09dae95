import { describe, expect, it } from 'vitest'
import { rollout } from '../test-fixtures.ts'
import { countsText, formatGateFigure, stageRows } from './rollout-progress.ts'

const counts = (c: Record<string, number>) => ({ pending: 0, installing: 0, active: 0, failed: 0, 'rolled-back': 0, offline: 0, ...c })

describe('rollout progress', () => {
  it('gives one row per wave, numbered from 1, with active devices out of the assigned ones', () => {
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
      ['Wave 1', 2, 2, '2 of 2 active', 'done'],
      ['Wave 2', 7, 10, '7 of 10 active · installing 2 · failed 1', 'current'],
      ['Wave 3', 0, 10, 'none assigned yet (about 10 expected)', 'next'],
    ])
  })

  it('fills the bar of a finished wave that the stable hash gave fewer devices than its share', () => {
    // 6 devices over waves of 34, 67 and 100 %: the hash put 1 device in the first wave, 2 were expected
    const r = rollout('r', {
      state: 'completed', wave: 2,
      progress: {
        targeted: 6, unassigned: 0, shadow: null,
        waves: [
          { index: 0, percent: 34, expected: 2, assigned: 1, counts: counts({ active: 1 }) },
          { index: 1, percent: 67, expected: 2, assigned: 2, counts: counts({ active: 2 }) },
          { index: 2, percent: 100, expected: 2, assigned: 3, counts: counts({ active: 3 }) },
        ],
      },
    })
    expect(stageRows(r).map((w) => [w.value, w.max, w.countsText])).toEqual([
      [1, 1, '1 of 1 active'],
      [2, 2, '2 of 2 active'],
      [3, 3, '3 of 3 active'],
    ])
  })

  it('keeps an active count that runs ahead of the assignment inside its bar', () => {
    const r = rollout('r', {
      progress: { targeted: 2, unassigned: 0, shadow: null, waves: [{ index: 0, percent: 100, expected: 2, assigned: 1, counts: counts({ active: 2 }) }] },
    })
    expect(stageRows(r).map((w) => [w.value, w.max, w.countsText])).toEqual([[2, 2, '2 of 2 active']])
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
      ['Shadow stage', 'current', '0 of 1 active · installing 1'],
      ['Wave 1', 'next', 'none assigned yet (about 1 expected)'],
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
