import { describe, expect, it } from 'vitest'
import type { RolloutCommand } from '../api/hub-api.ts'
import { COMMAND_TEXT, commandApplies } from './rollout-commands.ts'

const STATES = ['shadow', 'rolling', 'soaking', 'paused', 'completed', 'aborted', 'rolled-back']
const enabled = (state: string) => (['pause', 'resume', 'abort', 'rollback'] as RolloutCommand[]).filter((c) => commandApplies(c, state))

describe('rollout commands', () => {
  it('enables exactly the commands the hub accepts in each state', () => {
    expect(Object.fromEntries(STATES.map((s) => [s, enabled(s)]))).toEqual({
      shadow: ['pause', 'abort'],
      rolling: ['pause', 'abort'],
      soaking: ['pause', 'abort'],
      paused: ['resume', 'abort'],
      completed: ['rollback'],
      aborted: [],
      'rolled-back': [],
    })
  })

  it('asks for confirmation before abort and rollback only', () => {
    expect(COMMAND_TEXT.abort.confirm).toMatch(/previous|before/)
    expect(COMMAND_TEXT.rollback.confirm).toMatch(/before/)
    expect(COMMAND_TEXT.pause.confirm).toBeNull()
    expect(COMMAND_TEXT.resume.confirm).toBeNull()
    expect(COMMAND_TEXT.rollback.label).toBe('Roll back')
  })
})
