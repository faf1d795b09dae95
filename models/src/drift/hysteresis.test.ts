import { describe, expect, it } from 'vitest'
import { CLEAR_STATE, stepHysteresis, type HysteresisState } from './hysteresis.ts'

function run(verdicts: boolean[], raiseAfter = 3, clearAfter = 2): (string | null)[] {
  let state: HysteresisState = CLEAR_STATE
  return verdicts.map((d) => {
    const next = stepHysteresis(state, d, { raiseAfter, clearAfter })
    state = next.state
    return next.transition
  })
}

describe('hysteresis', () => {
  it('raises after k drifted windows in a row, not after k scattered ones', () => {
    expect(run([true, true, false, true, true, false])).toEqual([null, null, null, null, null, null])
    expect(run([true, true, true])).toEqual([null, null, 'raised'])
  })
  it('clears after m clean windows in a row, and a drifted window resets the count', () => {
    expect(run([true, true, true, false, true, false, false])).toEqual([null, null, 'raised', null, null, null, 'cleared'])
  })
  it('with k = 1 raises on the first drifted window', () => {
    expect(run([true], 1, 1)).toEqual(['raised'])
  })
})
