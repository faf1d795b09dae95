import type { RolloutCommand } from '../api/hub-api.ts'

const RUNNING = new Set(['shadow', 'rolling', 'soaking'])

/**
 * Whether an operator command applies to a rollout in `state`, as the hub's policy transitions decide
 * (`hub/src/rollouts/policy/rollout-transitions.ts`): pause a running rollout, resume a paused one, abort
 * either, roll back a completed one.
 */
export function commandApplies(command: RolloutCommand, state: string): boolean {
  switch (command) {
    case 'pause':
      return RUNNING.has(state)
    case 'resume':
      return state === 'paused'
    case 'abort':
      return RUNNING.has(state) || state === 'paused'
    case 'rollback':
      return state === 'completed'
  }
}

export interface CommandText {
  /** the button's label */
  label: string
  /** what the confirmation dialog asks, or null when the command needs no confirmation */
  confirm: string | null
}

export const COMMAND_TEXT: Record<RolloutCommand, CommandText> = {
  pause: { label: 'Pause', confirm: null },
  resume: { label: 'Resume', confirm: null },
  abort: { label: 'Abort', confirm: 'Abort this rollout? It stops, and every device it updated goes back to the version it ran before.' },
  rollback: { label: 'Roll back', confirm: 'Roll back this completed rollout? Every device it updated goes back to the version it ran before.' },
}
