import { describe, expect, it } from 'vitest'
import { FakeFleet } from '../../test-support/rollout-fake-fleet.ts'
import { step } from './rollout-machine.ts'
import { rolloutProgress } from './rollout-progress.ts'
import { createRollout } from './rollout-spec.ts'
import { planWaves } from './waves.ts'

const T0 = 1_700_000_000_000
const ids = (n: number) => Array.from({ length: n }, (_, i) => `dev-${i}`)

describe('rolloutProgress', () => {
  it('counts the devices of each wave per state', () => {
    const fleet = new FakeFleet('2.0.0', ids(40))
    const r0 = createRollout({ id: 'r-p', model: { name: 'm', version: '2.0.0' }, target: { kind: 'all' }, waves: [50, 100], waveTimeoutMs: 600_000 }, T0)
    const wave1 = planWaves('r-p', [50, 100], ids(40).map((id) => ({ id, online: true })))[0]!.members
    const [failing, away, stuck, slow] = wave1
    fleet.outcomes.set(failing!, 'failed').set(stuck!, 'stall').set(slow!, 'stall')
    fleet.setOnline(away!, false)
    const a = step(r0, fleet.facts(), T0)
    fleet.apply(a.actions).settle()
    // one stalled device is past its deadline and counts as failed; the other was assigned later
    a.rollout.assignments[slow!]!.deadline = T0 + 10 * 600_000
    const p = rolloutProgress(a.rollout, fleet.facts(), T0 + 600_000)
    expect(p).toMatchObject({ state: 'rolling', wave: 0, targeted: 40, unassigned: 40 - wave1.length, shadow: null })
    expect(p.waves[0]).toEqual({
      index: 0,
      percent: 50,
      expected: 20,
      assigned: wave1.length,
      counts: { pending: 0, installing: 1, active: wave1.length - 4, failed: 2, 'rolled-back': 0, offline: 1 },
    })
    expect(p.waves[1]).toMatchObject({ index: 1, percent: 100, expected: 20, assigned: 0 })
  })
})
