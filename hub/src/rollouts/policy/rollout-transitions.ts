import { formatDuration } from './duration.ts'
import { RolloutPolicyError } from './errors.ts'
import { openDraft, record, stopAndUndo } from './rollout-draft.ts'
import { FINAL_STATES, RUNNING_STATES, type Rollout, type StepResult } from './rollout.ts'

/**
 * What an operator can do to a rollout, as pure transitions. Each returns the next state and the actions, or
 * throws `HUB_ROLLOUT_STATE` saying what can be done instead.
 *
 * - `pause`: shadow/rolling/soaking → paused. Devices already assigned carry on installing; nothing new is
 *   assigned and no gate is judged until `resume`.
 * - `resume`: paused → the state it was paused in. Time spent paused does not count: the wave's start, the soak's
 *   start and every install deadline move on by the pause's length.
 * - `abort`: shadow/rolling/soaking/paused → aborted; clears every shadow and rolls back every updated device,
 *   as a failed gate does.
 * - `rollback`: completed → rolled-back; rolls back every updated device. (A running rollout is aborted instead.)
 */

export function pause(rollout: Rollout, now: number, reason = 'paused by an operator'): StepResult {
  const from = rollout.state
  if (from === 'paused') throw conflict(rollout, `is already paused; resume it with \`edgefleet rollout resume ${rollout.id}\``)
  if (from !== 'shadow' && from !== 'rolling' && from !== 'soaking') {
    throw conflict(rollout, `is ${from}: there is nothing to pause; create a new rollout to change the fleet again`)
  }
  const d = openDraft(rollout, now)
  d.r.state = 'paused'
  d.r.paused = { from, at: now }
  d.r.reason = reason
  record(d, 'paused', `${reason} (while ${from})`)
  return { rollout: d.r, actions: d.actions }
}

export function resume(rollout: Rollout, now: number): StepResult {
  const paused = rollout.paused
  if (rollout.state !== 'paused' || paused === null) {
    throw FINAL_STATES.has(rollout.state)
      ? conflict(rollout, `is ${rollout.state} and cannot be resumed; create a new rollout with \`edgefleet rollout create\``)
      : conflict(rollout, `is not paused (it is ${rollout.state}); nothing to resume`)
  }
  const d = openDraft(rollout, now)
  const shift = Math.max(0, now - paused.at)
  d.r.state = paused.from
  d.r.paused = null
  d.r.reason = null
  d.r.waveStartedAt += shift
  if (d.r.soakStartedAt !== null) d.r.soakStartedAt += shift
  for (const a of Object.values(d.r.assignments)) a.deadline += shift
  record(d, 'resumed', `resumed after ${formatDuration(shift)} paused`)
  return { rollout: d.r, actions: d.actions }
}

export function abort(rollout: Rollout, now: number, reason = 'aborted by an operator'): StepResult {
  if (!RUNNING_STATES.has(rollout.state) && rollout.state !== 'paused') {
    throw rollout.state === 'completed'
      ? conflict(rollout, `is completed; to return its devices to their previous versions, use \`edgefleet rollout rollback ${rollout.id}\``)
      : conflict(rollout, `is already ${rollout.state}; its devices were rolled back then`)
  }
  const d = openDraft(rollout, now)
  stopAndUndo(d, 'aborted', reason)
  return { rollout: d.r, actions: d.actions }
}

export function rollback(rollout: Rollout, now: number, reason = 'rolled back by an operator'): StepResult {
  if (rollout.state !== 'completed') {
    throw FINAL_STATES.has(rollout.state)
      ? conflict(rollout, `is already ${rollout.state}; its devices were rolled back then`)
      : conflict(rollout, `is ${rollout.state}: abort it instead (\`edgefleet rollout abort ${rollout.id}\`), which stops it and rolls back every updated device`)
  }
  const d = openDraft(rollout, now)
  stopAndUndo(d, 'rolled-back', reason)
  return { rollout: d.r, actions: d.actions }
}

function conflict(rollout: Rollout, what: string): RolloutPolicyError {
  return new RolloutPolicyError('HUB_ROLLOUT_STATE', `rollout ${rollout.id} ${what}`)
}
