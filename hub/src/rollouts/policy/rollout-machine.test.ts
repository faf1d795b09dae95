import { describe, expect, it } from 'vitest'
import { FakeFleet } from '../../test-support/rollout-fake-fleet.ts'
import { DEFAULT_GATES } from './gate-config.ts'
import { step } from './rollout-machine.ts'
import { createRollout, type RolloutSpec } from './rollout-spec.ts'
import { FINAL_STATES, type Rollout, type RolloutAction } from './rollout.ts'
import { parseTarget } from './target.ts'
import { deviceBucket, planWaves, waveOf } from './waves.ts'

const MIN = 60_000
const T0 = 1_700_000_000_000
const ids = (n: number, prefix = 'dev') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`)
const online = (list: string[]) => list.map((id) => ({ id, online: true }))

function rollout(over: Partial<RolloutSpec> = {}): Rollout {
  return createRollout({ id: 'r-1', model: { name: 'detector', version: '2.0.0' }, previousVersion: '1.0.0', target: { kind: 'all' }, waves: [10, 50, 100], soakMs: 5 * MIN, ...over }, T0)
}

interface Driven {
  rollout: Rollout
  now: number
  /** actions of every step, in order */
  actions: RolloutAction[]
}

/** Steps the rollout every `stepMs` (the fleet carries out the actions and settles in between) until `until` holds. */
function drive(r: Rollout, fleet: FakeFleet, from: number, until: (r: Rollout, now: number) => boolean = (x) => FINAL_STATES.has(x.state), stepMs = MIN): Driven {
  const actions: RolloutAction[] = []
  let now = from
  for (let i = 0; i < 2000; i++) {
    const res = step(r, fleet.facts(), now)
    fleet.apply(res.actions)
    actions.push(...res.actions)
    r = res.rollout
    if (until(r, now)) return { rollout: r, now, actions }
    fleet.settle()
    now += stepMs
  }
  throw new Error(`did not get there: ${r.state} wave ${r.wave}`)
}

const events = (r: Rollout) => r.history.map((h) => h.event)
const assigns = (actions: readonly RolloutAction[], role = 'active') => actions.filter((a) => a.type === 'assign' && a.role === role).map((a) => (a as { deviceIds: string[] }).deviceIds)

describe('step: the happy path', () => {
  it('walks 3 waves to completion, each wave the planned devices, soaking between waves', () => {
    const fleet = new FakeFleet('2.0.0', ids(100))
    const plan = planWaves('r-1', [10, 50, 100], online(ids(100)))
    const { rollout: done, now, actions } = drive(rollout(), fleet, T0)
    expect(done.state).toBe('completed')
    expect(assigns(actions)).toEqual(plan.map((w) => w.members))
    expect(Object.keys(done.assignments)).toHaveLength(100)
    expect(events(done)).toEqual([
      'created',
      'assigned', 'soak-started', 'wave-passed', 'wave-started',
      'assigned', 'soak-started', 'wave-passed', 'wave-started',
      'assigned', 'soak-started', 'completed',
    ])
    // installs take one step (1 min), each soak 5 min
    expect(done.history.filter((h) => h.event === 'soak-started').map((h) => h.at - T0)).toEqual([1 * MIN, 7 * MIN, 13 * MIN])
    expect(now - T0).toBe(18 * MIN)
    expect(done.history.find((h) => h.event === 'wave-passed')!.message).toMatch(/^wave 1\/3 \(10%\) passed: install failures 0\/\d+ = 0% ≤ 10%/)
    expect(done.history.at(-1)!.message).toMatch(/all 3 waves done, 100 devices updated/)
    // people hear of every stage change, not of routine assignments
    expect(actions.filter((a) => a.type === 'notify').map((a) => (a as { event: string }).event)).toEqual(events(done).filter((e) => e !== 'assigned' && e !== 'created'))
    expect(actions.some((a) => a.type === 'rollback')).toBe(false)
  })

  it('records what each device ran before, for the rollback', () => {
    const fleet = new FakeFleet('2.0.0', ids(10))
    fleet.devices.get('dev-000')!.currentVersion = null
    fleet.devices.get('dev-001')!.currentVersion = '2.0.0'
    const { rollout: done } = drive(rollout({ waves: [100] }), fleet, T0)
    expect(done.assignments['dev-000']!.previousVersion).toBeNull()
    expect(done.assignments['dev-001']!.previousVersion).toBe('1.0.0')
    expect(done.assignments['dev-002']!.previousVersion).toBe('1.0.0')
  })

  it('does not touch its input, and continues the same after a JSON round trip (hub restart)', () => {
    const fleet = new FakeFleet('2.0.0', ids(50))
    const mid = drive(rollout(), fleet, T0, (r) => r.wave === 1 && r.state === 'soaking')
    const stored = JSON.stringify(mid.rollout)
    const frozen = deepFreeze(structuredClone(mid.rollout))
    const next = step(frozen, fleet.facts(), mid.now + MIN)
    expect(JSON.stringify(frozen)).toBe(stored)
    const restored = step(JSON.parse(stored) as Rollout, fleet.facts(), mid.now + MIN)
    expect(restored).toEqual(next)
  })

  it('does nothing when there is nothing to do', () => {
    const fleet = new FakeFleet('2.0.0', ids(10))
    const first = step(rollout(), fleet.facts(), T0)
    fleet.apply(first.actions) // installing, not settled
    const again = step(first.rollout, fleet.facts(), T0 + MIN)
    expect(again.actions).toEqual([])
    expect(again.rollout).toEqual(first.rollout)
  })
})

describe('step: gates', () => {
  it('aborts on a failed gate and rolls back exactly the devices it assigned', () => {
    const fleet = new FakeFleet('2.0.0', ids(100))
    const plan = planWaves('r-1', [10, 50, 100], online(ids(100)))
    const failing = plan[1]!.members.slice(0, 12)
    for (const id of failing) fleet.outcomes.set(id, 'failed')
    const { rollout: done, actions } = drive(rollout(), fleet, T0)
    expect(done.state).toBe('aborted')
    const updated = [...plan[0]!.members, ...plan[1]!.members]
    expect(done.reason).toMatch(new RegExp(`^wave 2/3 \\(50%\\) failed its gates: install failures 12/${updated.length} = [\\d.]+% > 10% \\(self-test MODEL_SELF_TEST_FAILED ×12\\)`))
    const rollbacks = actions.filter((a) => a.type === 'rollback')
    expect(rollbacks).toHaveLength(1)
    const rb = rollbacks[0] as Extract<RolloutAction, { type: 'rollback' }>
    expect([...rb.deviceIds].sort()).toEqual([...updated].sort())
    expect(new Set(Object.values(rb.previous))).toEqual(new Set(['1.0.0']))
    // the last wave was never assigned, and an aborted rollout does nothing more
    expect(assigns(actions)).toHaveLength(2)
    expect(step(done, fleet.facts(), T0 + 1000 * MIN)).toEqual({ rollout: done, actions: [] })
    expect(done.history.at(-1)).toMatchObject({ event: 'aborted', message: expect.stringMatching(/rolling back \d+ devices$/) })
  })

  it('aborts at once when a gate fails during the soak, without waiting for it to end', () => {
    const fleet = new FakeFleet('2.0.0', ids(100))
    const soaking = drive(rollout({ soakMs: 60 * MIN }), fleet, T0, (r) => r.state === 'soaking')
    for (const o of fleet.observations.values()) o.inferenceErrors = 20 // 10 % of 200 runs
    const next = step(soaking.rollout, fleet.facts(), soaking.now + MIN)
    expect(next.rollout.state).toBe('aborted')
    expect(next.rollout.reason).toMatch(/wave 1\/3 \(10%\) failed its gates: inference errors \d+\/\d+ = 10% > 1%/)
    expect(next.actions.map((a) => a.type)).toEqual(['rollback', 'notify'])
  })

  it('aborts on latency p95 against the previous version', () => {
    const fleet = new FakeFleet('2.0.0', ids(30))
    fleet.metrics = { ...fleet.metrics, latencyP95BeforeMs: 10, latencyP95AfterMs: 16 }
    const { rollout: done } = drive(rollout(), fleet, T0)
    expect(done.state).toBe('aborted')
    expect(done.reason).toMatch(/latency p95 16 ms vs 10 ms before \(\+60%, \d+ devices\) > 15 ms \(\+50% or \+5 ms\)/)
  })

  it('below minDevicesExecuted the gates do not abort; they do once enough devices executed', () => {
    const fleet = new FakeFleet('2.0.0', ids(20))
    const r = rollout({ waves: [1, 10, 50, 100], gates: { ...DEFAULT_GATES, minDevicesExecuted: 3 } })
    const plan = planWaves('r-1', [1, 10, 50, 100], online(ids(20)))
    fleet.outcomes.set(plan[0]!.members[0]!, 'failed')
    const { rollout: done } = drive(r, fleet, T0)
    expect(done.history.find((h) => h.event === 'wave-passed')!.message).toMatch(/install failures 1\/1 = 100% > 10%.*\(not binding: 1 devices executed, fewer than 3\)/)
    expect(done.state).toBe('aborted')
    expect(Object.keys(done.assignments).length).toBeGreaterThanOrEqual(3)
  })

  it('the last wave is binding even below minDevicesExecuted: no more evidence is coming', () => {
    const fleet = new FakeFleet('2.0.0', ['a', 'b'])
    fleet.outcomes.set('a', 'failed')
    const r = rollout({ waves: [100], gates: { ...DEFAULT_GATES, minDevicesExecuted: 5 } })
    const { rollout: done } = drive(r, fleet, T0)
    expect(done.state).toBe('aborted')
    // not during the soak (not binding yet), but at its end
    const soak = done.history.find((h) => h.event === 'soak-started')!.at
    expect(done.history.at(-1)!.at).toBe(soak + 5 * MIN)
  })
})

describe('step: devices', () => {
  it('assigns late joiners to the wave of their bucket, at once when that wave has started', () => {
    const first = ids(100)
    const late = ids(100, 'late')
    const waves = [10, 50, 100]
    const fleet = new FakeFleet('2.0.0', first)
    const inWave2 = drive(rollout(), fleet, T0, (r) => r.wave === 1 && r.state === 'rolling')
    for (const id of late) fleet.add(id)
    const next = step(inWave2.rollout, fleet.facts(), inWave2.now + 1)
    const expectNow = late.filter((id) => waveOf(deviceBucket('r-1', id), waves) <= 1)
    expect(assigns(next.actions)).toEqual([expect.arrayContaining(expectNow)])
    expect(assigns(next.actions)[0]).toHaveLength(expectNow.length)
    for (const id of expectNow) expect(next.rollout.assignments[id]).toMatchObject({ wave: waveOf(deviceBucket('r-1', id), waves), assignedInWave: 1 })
    fleet.apply(next.actions)
    const { rollout: done } = drive(next.rollout, fleet, inWave2.now + MIN)
    expect(done.state).toBe('completed')
    for (const id of [...first, ...late]) expect(done.assignments[id]!.wave).toBe(waveOf(deviceBucket('r-1', id), waves))
  })

  it('late joiners of the current wave hold it up until they have installed', () => {
    const fleet = new FakeFleet('2.0.0', ids(100))
    const r0 = step(rollout(), fleet.facts(), T0)
    fleet.apply(r0.actions).settle()
    const joiner = ids(300, 'late').find((id) => waveOf(deviceBucket('r-1', id), [10, 50, 100]) === 0)!
    fleet.add(joiner)
    const r1 = step(r0.rollout, fleet.facts(), T0 + MIN)
    expect(assigns(r1.actions)).toEqual([[joiner]])
    expect(r1.rollout.state).toBe('rolling')
    fleet.apply(r1.actions).settle()
    expect(step(r1.rollout, fleet.facts(), T0 + 2 * MIN).rollout.state).toBe('soaking')
  })

  it('offline devices are assigned, do not hold up the wave, and count once they report', () => {
    const fleet = new FakeFleet('2.0.0', ids(40))
    const wave1 = planWaves('r-1', [50, 100], online(ids(40)))[0]!.members
    const away = wave1.slice(0, 2)
    for (const id of away) fleet.setOnline(id, false)
    const soaking = drive(rollout({ waves: [50, 100] }), fleet, T0, (r) => r.state === 'soaking')
    expect(assigns(soaking.actions)).toEqual([wave1])
    expect(soaking.rollout.history.at(-1)!.message).toBe(`wave 1/2 (50%): ${wave1.length - 2}/${wave1.length} devices installed, 2 offline; soaking for 5m`)
    expect(soaking.now).toBe(T0 + MIN)
    for (const id of away) fleet.setOnline(id, true)
    fleet.outcomes.set(away[0]!, 'failed')
    fleet.outcomes.set(away[1]!, 'failed')
    const { rollout: done } = drive(soaking.rollout, fleet, soaking.now + MIN)
    // 2 failures of ~20 executed: over 10 %
    expect(done.state).toBe('aborted')
    expect(done.reason).toMatch(/install failures 2\/\d+/)
  })

  it('does not promote offline devices, and waits waveTimeoutMs for a wave whose devices are all offline', () => {
    const fleet = new FakeFleet('2.0.0', ids(20))
    for (const id of ids(20)) fleet.setOnline(id, false)
    const r = rollout({ waves: [1, 10, 50, 100], waveTimeoutMs: 30 * MIN })
    const first = step(r, fleet.facts(), T0)
    expect(Object.values(first.rollout.assignments).some((a) => a.promoted)).toBe(false)
    const soaking = drive(r, fleet, T0, (x) => x.state === 'soaking')
    expect(soaking.now).toBe(T0 + 30 * MIN)
    expect(soaking.rollout.history.at(-1)!.message).toMatch(/0\/\d+ devices installed, \d+ offline/)
  })

  it('small fleets: every wave gets a device while any are left; waves with none left are skipped', () => {
    const fleet = new FakeFleet('2.0.0', ['a', 'b'])
    const { rollout: done, actions } = drive(rollout({ waves: [1, 10, 50, 100] }), fleet, T0)
    expect(done.state).toBe('completed')
    expect(assigns(actions)).toHaveLength(2)
    expect(assigns(actions).map((a) => a.length)).toEqual([1, 1])
    expect(events(done).filter((e) => e === 'wave-skipped')).toHaveLength(2)
    expect(Object.values(done.assignments).filter((a) => a.promoted).length).toBeGreaterThanOrEqual(1)
  })

  it('waits while the target matches no device, then starts when one appears', () => {
    const fleet = new FakeFleet('2.0.0', ids(5))
    const r = rollout({ target: parseTarget('tag:site=berlin') })
    const idle = step(r, fleet.facts(), T0 + 100 * MIN)
    expect(idle).toEqual({ rollout: r, actions: [] })
    fleet.add('berlin-1', { site: 'berlin' })
    const next = step(r, fleet.facts(), T0 + 101 * MIN)
    expect(assigns(next.actions)).toEqual([['berlin-1']])
  })

  it('counts an online device that has not installed within waveTimeoutMs as a failed install', () => {
    const fleet = new FakeFleet('2.0.0', ids(10))
    fleet.outcomes.set('dev-003', 'stall')
    const r = rollout({ waves: [100], waveTimeoutMs: 30 * MIN })
    const { rollout: done } = drive(r, fleet, T0)
    expect(done.state).toBe('completed') // 1/10 = 10 % is within the default 10 %
    const timeout = done.history.find((h) => h.event === 'wave-timeout')!
    expect(timeout.at).toBe(T0 + 30 * MIN)
    expect(timeout.message).toBe('wave 1/1 (100%): 1 devices did not finish installing within 30m; they count as failed installs')
    expect(done.history.find((h) => h.event === 'soak-started')!.at).toBe(T0 + 30 * MIN)

    const fleet2 = new FakeFleet('2.0.0', ids(10))
    fleet2.outcomes.set('dev-003', 'stall').set('dev-004', 'stall')
    const { rollout: aborted, actions } = drive(r, fleet2, T0)
    expect(aborted.state).toBe('aborted')
    expect(aborted.history.at(-1)!.at).toBe(T0 + 30 * MIN)
    expect(aborted.reason).toMatch(/install failures 2\/10 = 20% > 10% \(installing HUB_ROLLOUT_TIMEOUT ×2\)/)
    expect((actions.find((a) => a.type === 'rollback') as { deviceIds: string[] }).deviceIds).toHaveLength(10)
  })
})

describe('step: shadow stage', () => {
  const shadowed = (minShadowAgreement: number) => rollout({ shadow: { soakMs: 10 * MIN }, gates: { ...DEFAULT_GATES, minShadowAgreement } })

  it('runs the candidate as a shadow on the first wave, gates on agreement, then clears the shadows and starts wave 1', () => {
    const fleet = new FakeFleet('2.0.0', ids(100))
    const plan = planWaves('r-1', [10, 50, 100], online(ids(100)))
    const { rollout: done, actions } = drive(shadowed(0.95), fleet, T0)
    expect(done.state).toBe('completed')
    expect(assigns(actions, 'shadow')).toEqual([plan[0]!.members])
    const passed = done.history.find((h) => h.event === 'shadow-passed')!
    expect(passed.at).toBe(T0 + 11 * MIN)
    const n = plan[0]!.members.length
    expect(passed.message).toBe(`the shadow stage passed on ${n} devices: shadow load failures 0/${n} = 0% ≤ 10%; shadow latency p95 11 ms vs 10 ms before (+10%, ${n} devices) ≤ 15 ms (+50% or +5 ms); shadow agreement 99% over ${n * 100} samples on ${n} devices ≥ 95%`)
    // in one step, in order: clear the shadows, then serve the candidate on wave 1
    const types = actions.map((a) => (a.type === 'notify' ? a.event : a.type === 'assign' ? `assign-${a.role}` : a.type))
    const i = types.indexOf('clear-shadow')
    expect(types.slice(i, i + 4)).toEqual(['clear-shadow', 'shadow-passed', 'wave-started', 'assign-active'])
    expect((actions[actions.findIndex((a) => a.type === 'clear-shadow')] as { deviceIds: string[] }).deviceIds).toEqual(plan[0]!.members)
    expect(Object.values(done.assignments).every((a) => a.role === 'active')).toBe(true)
  })

  it('aborts when agreement is too low, clearing the shadows and rolling back nothing', () => {
    const fleet = new FakeFleet('2.0.0', ids(100))
    fleet.shadowReport = { samples: 100, agreement: 0.8 }
    const { rollout: done, actions } = drive(shadowed(0.95), fleet, T0)
    expect(done.state).toBe('aborted')
    const n = planWaves('r-1', [10, 50, 100], online(ids(100)))[0]!.members.length
    expect(done.reason).toMatch(new RegExp(`^the shadow stage failed its gates: shadow agreement 80% over ${n * 100} samples on ${n} devices < 95%$`))
    expect(done.history.at(-1)!.message).toBe(`${done.reason} — clearing ${n} shadows`)
    expect(actions.filter((a) => a.type === 'rollback')).toEqual([])
    expect(actions.filter((a) => a.type === 'clear-shadow')).toHaveLength(1)
    expect(assigns(actions)).toEqual([])
  })

  it('fails closed when no device reported agreement', () => {
    const fleet = new FakeFleet('2.0.0', ids(100))
    fleet.shadowReport = { samples: 0 }
    const { rollout: done } = drive(shadowed(0.9), fleet, T0)
    expect(done.state).toBe('aborted')
    expect(done.reason).toMatch(/no device reported any/)
  })
})

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
