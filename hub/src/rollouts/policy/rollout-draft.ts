import type { Rollout, RolloutAction, RolloutEvent } from './rollout.ts'

/** A rollout being changed by one call of the machine: a private copy, and the actions it has called for so far. */
export interface Draft {
  r: Rollout
  actions: RolloutAction[]
  now: number
}

/** A copy of `rollout` to change; the caller's object is never touched. */
export function openDraft(rollout: Rollout, now: number): Draft {
  return { r: structuredClone(rollout), actions: [], now }
}

/** Appends to the history and, except for routine assignments (the `assign` action says it all), notifies. */
export function record(d: Draft, event: RolloutEvent, message: string): void {
  d.r.history.push({ at: d.now, event, message })
  if (event !== 'assigned') d.actions.push({ type: 'notify', event, message })
}

/** `wave 2/4 (10%)`: waves are 0-based in the data and 1-based for people. */
export function waveLabel(r: Rollout, wave = r.wave): string {
  return `wave ${wave + 1}/${r.waves.length} (${r.waves[wave]}%)`
}

/** `dev-1, dev-2, dev-3 and 7 more` */
export function listIds(ids: readonly string[], max = 5): string {
  return ids.length > max ? `${ids.slice(0, max).join(', ')} and ${ids.length - max} more` : ids.join(', ')
}

/**
 * Ends the rollout in `state` and undoes it: clears every shadow and rolls back every device that was handed the
 * candidate to serve (the engine returns each to `previous[id]`, or decides when that is null).
 */
export function stopAndUndo(d: Draft, state: 'aborted' | 'rolled-back', reason: string): void {
  const entries = Object.entries(d.r.assignments)
  const shadows = entries.filter(([, a]) => a.role === 'shadow').map(([id]) => id)
  const actives = entries.filter(([, a]) => a.role === 'active')
  if (shadows.length > 0) d.actions.push({ type: 'clear-shadow', deviceIds: shadows })
  if (actives.length > 0) {
    d.actions.push({ type: 'rollback', deviceIds: actives.map(([id]) => id), previous: Object.fromEntries(actives.map(([id, a]) => [id, a.previousVersion])) })
  }
  d.r.state = state
  d.r.reason = reason
  d.r.paused = null
  const undo = [actives.length > 0 ? `rolling back ${actives.length} devices` : '', shadows.length > 0 ? `clearing ${shadows.length} shadows` : ''].filter(Boolean).join(', ')
  record(d, state, `${reason}${undo ? ` — ${undo}` : ''}`)
}
