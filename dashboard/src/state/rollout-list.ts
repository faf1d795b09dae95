import type { RolloutList, RolloutView } from '@edgefleet/protocol'
import type { LiveMessage } from '../live/live-events.ts'

/** Rollouts, newest first, with each `rollout` event's view put in place. */
export function applyRolloutEvents(list: RolloutList, messages: readonly LiveMessage[]): RolloutList {
  let rollouts: RolloutView[] | null = null
  for (const m of messages) {
    if (m.type !== 'rollout') continue
    const view = m.body.rollout
    rollouts = [view, ...(rollouts ?? list.rollouts).filter((r) => r.id !== view.id)]
  }
  return rollouts ? { rollouts: rollouts.sort((a, b) => b.createdAt - a.createdAt) } : list
}

/** One rollout with the latest `rollout` event about it (others ignored). */
export function applyRolloutUpdate(rollout: RolloutView, messages: readonly LiveMessage[]): RolloutView {
  let out = rollout
  for (const m of messages) if (m.type === 'rollout' && m.body.rollout.id === rollout.id) out = m.body.rollout
  return out
}

/** The short, distinguishing part of an id such as `gas-sensor-1.1.0-a1b2c3` (`a1b2c3`); the whole id otherwise. */
export function shortRolloutId(rollout: Pick<RolloutView, 'id' | 'model'>): string {
  const prefix = `${rollout.model.name}-${rollout.model.version}-`
  return rollout.id.startsWith(prefix) && rollout.id.length > prefix.length ? rollout.id.slice(prefix.length) : rollout.id
}
