/** Alert state of one (scope, kind): raised or not, and the current run of same-verdict windows. */
export interface HysteresisState {
  raised: boolean
  /** consecutive drifted windows while clear, or consecutive clean windows while raised */
  streak: number
}

export const CLEAR_STATE: Readonly<HysteresisState> = Object.freeze({ raised: false, streak: 0 })

/**
 * Hysteresis: raise after `raiseAfter` drifted windows in a row, clear after `clearAfter` clean ones
 * in a row. Pure: returns the next state and the transition, if any.
 */
export function stepHysteresis(
  state: HysteresisState,
  drifted: boolean,
  policy: { raiseAfter: number; clearAfter: number },
): { state: HysteresisState; transition: 'raised' | 'cleared' | null } {
  if (!state.raised) {
    const streak = drifted ? state.streak + 1 : 0
    if (streak >= policy.raiseAfter) return { state: { raised: true, streak: 0 }, transition: 'raised' }
    return { state: { raised: false, streak }, transition: null }
  }
  const streak = drifted ? 0 : state.streak + 1
  if (streak >= policy.clearAfter) return { state: { raised: false, streak: 0 }, transition: 'cleared' }
  return { state: { raised: true, streak }, transition: null }
}
