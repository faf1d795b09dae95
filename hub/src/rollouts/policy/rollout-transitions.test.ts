import { describe, expect, it } from 'vitest'
import { RolloutPolicyError } from './errors.ts'
import { FakeFleet } from '../../test-support/rollout-fake-fleet.ts'
import { step } from './rollout-machine.ts'
import { createRollout } from './rollout-spec.ts'
import { abort, pause, resume, rollback } from './rollout-transitions.ts'
import type { Rollout, RolloutAction } from './rollout.ts'

const MIN = 60_000
const T0 = 1_700_000_000_000
const ids = (n: number) => Array.from({ length: n }, (_, i) => `dev-${i}`)

function fresh(shadow = false): Rollout {
  return createRollout(
    { id: 'r-9', model: { name: 'detector', version: '2.0.0' }, target: { kind: 'all' }, waves: [50, 100], soakMs: 10 * MIN, ...(shadow ? { shadow: { soakMs: 10 * MIN } } : {}) },
    T0,
  )
}

/** Steps once, lets the fleet install, steps again: the first wave is then soaking. */
function soaking(fleet: FakeFleet): Rollout {
  const a = step(fresh(), fleet.facts(), T0)
  fleet.apply(a.actions).settle()
  const b = step(a.rollout, fleet.facts(), T0 + MIN)
  expect(b.rollout.state).toBe('soaking')
  return b.rollout
}

function conflict(f: () => unknown): string {
  try {
    f()
  } catch (err) {
    expect(err).toBeInstanceOf(RolloutPolicyError)
    expect((err as RolloutPolicyError).code).toBe('HUB_ROLLOUT_STATE')
    expect((err as RolloutPolicyError).statusCode).toBe(409)
    return (err as Error).message
  }
  throw new Error('did not throw')
}

function completed(fleet: FakeFleet): Rollout {
  let r = fresh()
  for (let now = T0; now < T0 + 200 * MIN && r.state !== 'completed'; now += MIN) {
    const res = step(r, fleet.facts(), now)
    fleet.apply(res.actions).settle()
    r = res.rollout
  }
  expect(r.state).toBe('completed')
  return r
}

describe('pause and resume', () => {
  it('a paused rollout does nothing; time paused does not count toward the soak', () => {
    const fleet = new FakeFleet('2.0.0', ids(20))
    const r = soaking(fleet)
    const soakStart = r.soakStartedAt!
    const paused = pause(r, T0 + 2 * MIN, 'looking at a dashboard')
    expect(paused.rollout).toMatchObject({ state: 'paused', paused: { from: 'soaking', at: T0 + 2 * MIN }, reason: 'looking at a dashboard' })
    expect(paused.actions).toEqual([{ type: 'notify', event: 'paused', message: 'looking at a dashboard (while soaking)' }])
    // long past the soak's end, and with a new device: nothing happens
    fleet.add('late-1')
    expect(step(paused.rollout, fleet.facts(), T0 + 60 * MIN)).toEqual({ rollout: paused.rollout, actions: [] })
    const resumed = resume(paused.rollout, T0 + 62 * MIN)
    expect(resumed.rollout).toMatchObject({ state: 'soaking', paused: null, reason: null, soakStartedAt: soakStart + 60 * MIN })
    expect(resumed.actions).toEqual([{ type: 'notify', event: 'resumed', message: 'resumed after 1h paused' }])
    // the soak had 9 of its 10 minutes left when paused
    expect(step(resumed.rollout, fleet.facts(), T0 + 70 * MIN).rollout.wave).toBe(0)
    expect(step(resumed.rollout, fleet.facts(), T0 + 71 * MIN).rollout.wave).toBe(1)
  })

  it('moves install deadlines on by the pause', () => {
    const fleet = new FakeFleet('2.0.0', ids(4))
    const a = step(fresh(), fleet.facts(), T0)
    const deadline = Object.values(a.rollout.assignments)[0]!.deadline
    const resumed = resume(pause(a.rollout, T0 + MIN).rollout, T0 + 11 * MIN)
    expect(Object.values(resumed.rollout.assignments)[0]!.deadline).toBe(deadline + 10 * MIN)
    expect(resumed.rollout.waveStartedAt).toBe(T0 + 10 * MIN)
  })

  it('pauses and resumes the shadow stage', () => {
    const r = fresh(true)
    const resumed = resume(pause(r, T0).rollout, T0 + MIN)
    expect(resumed.rollout.state).toBe('shadow')
  })

  it('refuses impossible transitions and says what to do instead', () => {
    const fleet = new FakeFleet('2.0.0', ids(4))
    const r = soaking(fleet)
    const paused = pause(r, T0 + 2 * MIN).rollout
    expect(conflict(() => pause(paused, T0))).toBe('rollout r-9 is already paused; resume it with `edgefleet rollout resume r-9`')
    expect(conflict(() => resume(r, T0))).toBe('rollout r-9 is not paused (it is soaking); nothing to resume')
    const done = completed(new FakeFleet('2.0.0', ids(4)))
    expect(conflict(() => resume(done, T0))).toMatch(/^rollout r-9 is completed and cannot be resumed; create a new rollout/)
    expect(conflict(() => pause(done, T0))).toMatch(/^rollout r-9 is completed: there is nothing to pause/)
  })
})

describe('abort', () => {
  it('stops a running or paused rollout and rolls back every device it assigned', () => {
    const fleet = new FakeFleet('2.0.0', ids(20))
    const r = soaking(fleet)
    const assigned = Object.keys(r.assignments)
    for (const from of [r, pause(r, T0 + 2 * MIN).rollout]) {
      const res = abort(from, T0 + 3 * MIN, 'wrong model')
      expect(res.rollout).toMatchObject({ state: 'aborted', reason: 'wrong model', paused: null })
      const rb = res.actions[0] as Extract<RolloutAction, { type: 'rollback' }>
      expect(rb.type).toBe('rollback')
      expect(rb.deviceIds).toEqual(assigned)
      expect(rb.previous).toEqual(Object.fromEntries(assigned.map((id) => [id, '1.0.0'])))
      expect(res.actions[1]).toEqual({ type: 'notify', event: 'aborted', message: `wrong model — rolling back ${assigned.length} devices` })
    }
  })

  it('clears shadows when aborted during the shadow stage', () => {
    const fleet = new FakeFleet('2.0.0', ids(20))
    const a = step(fresh(true), fleet.facts(), T0)
    const res = abort(a.rollout, T0 + MIN)
    expect(res.actions.map((x) => x.type)).toEqual(['clear-shadow', 'notify'])
    expect(res.rollout.reason).toBe('aborted by an operator')
  })

  it('refuses final rollouts, pointing at rollback for a completed one', () => {
    const done = completed(new FakeFleet('2.0.0', ids(4)))
    expect(conflict(() => abort(done, T0))).toBe('rollout r-9 is completed; to return its devices to their previous versions, use `edgefleet rollout rollback r-9`')
    const aborted = abort(fresh(), T0).rollout
    expect(conflict(() => abort(aborted, T0))).toBe('rollout r-9 is already aborted; its devices were rolled back then')
  })
})

describe('rollback', () => {
  it('rolls back every device of a completed rollout', () => {
    const done = completed(new FakeFleet('2.0.0', ids(6)))
    const res = rollback(done, T0 + 500 * MIN, 'accuracy regressed in the field')
    expect(res.rollout).toMatchObject({ state: 'rolled-back', reason: 'accuracy regressed in the field' })
    expect((res.actions[0] as { deviceIds: string[] }).deviceIds.sort()).toEqual(ids(6).sort())
    expect(res.rollout.history.at(-1)).toEqual({ at: T0 + 500 * MIN, event: 'rolled-back', message: 'accuracy regressed in the field — rolling back 6 devices' })
    expect(conflict(() => rollback(res.rollout, T0))).toBe('rollout r-9 is already rolled-back; its devices were rolled back then')
  })

  it('refuses a running rollout, pointing at abort', () => {
    expect(conflict(() => rollback(fresh(), T0))).toBe(
      'rollout r-9 is rolling: abort it instead (`edgefleet rollout abort r-9`), which stops it and rolls back every updated device',
    )
  })
})
