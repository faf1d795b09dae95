import { describe, expect, it } from 'vitest'
import { rollout, rolloutEvent } from '../test-fixtures.ts'
import { applyRolloutEvents, applyRolloutUpdate, shortRolloutId } from './rollout-list.ts'

describe('rollout list', () => {
  it('adds a new rollout on top and updates an existing one in place', () => {
    const list = { rollouts: [rollout('b', { createdAt: 2 }), rollout('a', { createdAt: 1 })] }
    const next = applyRolloutEvents(list, [rolloutEvent(rollout('c', { createdAt: 3 })), rolloutEvent(rollout('a', { createdAt: 1, state: 'aborted' }))])
    expect(next.rollouts.map((r) => [r.id, r.state])).toEqual([['c', 'rolling'], ['b', 'rolling'], ['a', 'aborted']])
  })

  it("follows only its own rollout's events on the detail page", () => {
    const r = rollout('a')
    expect(applyRolloutUpdate(r, [rolloutEvent(rollout('b', { state: 'completed' }))])).toBe(r)
    expect(applyRolloutUpdate(r, [rolloutEvent(rollout('a', { state: 'paused' }))]).state).toBe('paused')
  })

  it('shortens ids the hub builds from model and version', () => {
    expect(shortRolloutId(rollout('gas-sensor-1.1.0-a1b2c3'))).toBe('a1b2c3')
    expect(shortRolloutId(rollout('other-id'))).toBe('other-id')
  })
})
