import { assignedStatus, indexFacts, type AssignedStatus, type FactIndex } from './device-status.ts'
import { formatDuration } from './duration.ts'
import { evaluateGates, type DeviceObservation, type GateReport } from './gates.ts'
import { listIds, openDraft, record, stopAndUndo, waveLabel, type Draft } from './rollout-draft.ts'
import { RUNNING_STATES, type FleetDevice, type Rollout, type RolloutFacts, type RolloutRole, type StepResult } from './rollout.ts'
import { matchesTarget } from './target.ts'
import { deviceBucket, selectWaveMembers, waveOf } from './waves.ts'

/**
 * The rollout machine: `step` takes a rollout, the facts about the fleet now, and the time, and returns the next
 * state and the actions for the engine. Pure: no I/O, no clock but `now`; the engine calls it on a timer and
 * whenever facts change, carries out the actions in order, and stores the rollout.
 *
 * Rules, in the order `step` applies them:
 * 1. Shadow stage (when configured): the shadow devices (bucket below `shadow.percent`, topped up to
 *    `minDevicesPerWave`, late joiners included) are assigned role `shadow`. When every online one has loaded it
 *    (or timed out), the shadow soak starts; when it ends, the shadow gates are judged, binding however few
 *    devices executed: pass → clear the shadows and start the first wave (index 0); fail → aborted. With no shadow device at all,
 *    the stage waits up to `waveTimeoutMs` for one, then is judged.
 * 2. In a wave, every targeted device not yet assigned whose bucket falls in this wave or an earlier one is
 *    assigned (late joiners and devices back from being offline included); a wave with fewer than
 *    `minDevicesPerWave` devices is topped up from later waves (see waves.ts).
 * 3. A wave with no device at all is skipped, straight to its verdict (rule 6). When no targeted device exists
 *    and none was ever assigned, the rollout waits.
 * 4. At every step the gates are judged over all devices updated so far; once binding
 *    (`minDevicesExecuted` executed) a failure aborts at once, without waiting for the soak to end.
 * 5. The soak starts when no online device assigned during this wave is still installing within its deadline:
 *    each device gets `waveTimeoutMs` from its assignment, after which it counts as a failed install.
 *    Offline devices neither hold up a wave nor count in the gates until they report; but a wave whose devices
 *    are all offline waits up to `waveTimeoutMs` from its start for one of them before soaking.
 * 6. When the soak ends: gates failed and binding → aborted, every updated device rolled back; otherwise the
 *    next wave starts. Below `minDevicesExecuted` the gates are not binding (AWS IoT Jobs' semantics), except at
 *    the last wave, whose verdict is binding: no more evidence is coming. After the last wave: completed.
 * 7. `paused`, `completed`, `aborted`, `rolled-back`: nothing happens (see rollout-transitions.ts).
 */
export function step(rollout: Rollout, facts: RolloutFacts, now: number): StepResult {
  if (!RUNNING_STATES.has(rollout.state)) return { rollout, actions: [] }
  const d = openDraft(rollout, now)
  const fleet = indexFacts(facts)
  const targeted = facts.devices.filter((dev) => matchesTarget(rollout.target, dev))
  // each pass makes at most one stage change; starting a new wave takes another pass to assign its devices
  for (let pass = 0; pass <= rollout.waves.length + 1; pass++) {
    const moved = d.r.state === 'shadow' ? shadowPass(d, fleet, targeted) : wavePass(d, fleet, targeted)
    if (!moved || !RUNNING_STATES.has(d.r.state)) break
  }
  return { rollout: d.r, actions: d.actions }
}

function wavePass(d: Draft, fleet: FactIndex, targeted: readonly FleetDevice[]): boolean {
  const r = d.r
  assignNew(d, targeted, 'active')
  const members = statuses(d, fleet, 'active').filter((m) => r.assignments[m.id]!.assignedInWave === r.wave)
  if (members.length === 0 && r.state === 'rolling') {
    if (targeted.length === 0 && Object.keys(r.assignments).length === 0) return false
    record(d, 'wave-skipped', `${waveLabel(r)}: no device left for it`)
    return verdict(d, fleet)
  }
  const report = judge(d, fleet, 'active', false)
  if (report.decided && !report.passed) {
    stopAndUndo(d, 'aborted', `${waveLabel(r)} failed its gates: ${failures(report)}`)
    return false
  }
  if (r.state === 'rolling') {
    if (!installed(d, members)) return false
    r.state = 'soaking'
    r.soakStartedAt = d.now
    noteSoak(d, members, r.soakMs)
  }
  return r.soakStartedAt !== null && d.now >= r.soakStartedAt + r.soakMs ? verdict(d, fleet) : false
}

/** The end of a wave's soak (or of an empty wave): abort, go on to the next wave, or complete. */
function verdict(d: Draft, fleet: FactIndex): boolean {
  const r = d.r
  const last = r.wave === r.waves.length - 1
  const report = judge(d, fleet, 'active', last)
  if (!report.passed && (report.decided || last)) {
    stopAndUndo(d, 'aborted', `${waveLabel(r)} failed its gates: ${failures(report)}`)
    return false
  }
  const note = report.decided ? '' : ` (not binding: ${report.executed} devices executed, fewer than ${r.gates.minDevicesExecuted})`
  if (last) {
    r.state = 'completed'
    r.soakStartedAt = null
    record(d, 'completed', `all ${r.waves.length} waves done, ${Object.keys(r.assignments).length} devices updated: ${summary(report)}`)
    return false
  }
  record(d, 'wave-passed', `${waveLabel(r)} passed: ${summary(report)}${note}`)
  r.wave += 1
  r.state = 'rolling'
  r.waveStartedAt = d.now
  r.soakStartedAt = null
  record(d, 'wave-started', `${waveLabel(r)} started`)
  return true
}

function shadowPass(d: Draft, fleet: FactIndex, targeted: readonly FleetDevice[]): boolean {
  const r = d.r
  const shadow = r.shadow!
  assignNew(d, targeted, 'shadow')
  const members = statuses(d, fleet, 'shadow')
  if (members.length === 0) return d.now >= r.waveStartedAt + r.waveTimeoutMs ? shadowVerdict(d, fleet) : false
  const report = judge(d, fleet, 'shadow', false)
  if (report.decided && !report.passed) {
    stopAndUndo(d, 'aborted', `the shadow stage failed its gates: ${failures(report)}`)
    return false
  }
  if (r.soakStartedAt === null) {
    if (!installed(d, members)) return false
    r.soakStartedAt = d.now
    noteSoak(d, members, shadow.soakMs)
  }
  return d.now >= r.soakStartedAt + shadow.soakMs ? shadowVerdict(d, fleet) : false
}

function shadowVerdict(d: Draft, fleet: FactIndex): boolean {
  const r = d.r
  const report = judge(d, fleet, 'shadow', true)
  if (!report.passed) {
    stopAndUndo(d, 'aborted', `the shadow stage failed its gates: ${failures(report)}`)
    return false
  }
  const shadows = Object.keys(r.assignments).filter((id) => r.assignments[id]!.role === 'shadow')
  if (shadows.length > 0) d.actions.push({ type: 'clear-shadow', deviceIds: shadows })
  for (const id of shadows) delete r.assignments[id]
  record(d, 'shadow-passed', `the shadow stage passed on ${shadows.length} devices: ${summary(report)}`)
  r.state = 'rolling'
  r.wave = 0
  r.waveStartedAt = d.now
  r.soakStartedAt = null
  record(d, 'wave-started', `${waveLabel(r)} started`)
  return true
}

/** Assigns the targeted devices not assigned yet that belong to the current wave (or the shadow stage). */
function assignNew(d: Draft, targeted: readonly FleetDevice[], role: RolloutRole): void {
  const r = d.r
  const candidates = targeted.filter((dev) => !Object.hasOwn(r.assignments, dev.id))
  if (candidates.length === 0) return
  // the shadow stage selects like a one-wave-then-the-rest rollout: bucket below shadow.percent
  const waves = role === 'shadow' ? shadowWaves(r) : r.waves
  const wave = role === 'shadow' ? 0 : r.wave
  const alreadyInWave = Object.values(r.assignments).filter((a) => a.role === role && a.wave === wave).length
  const { members, promoted } = selectWaveMembers(r.id, waves, wave, candidates, { alreadyInWave, minPerWave: r.minDevicesPerWave })
  if (members.length === 0) return
  const byId = new Map(candidates.map((c) => [c.id, c]))
  const promotedIds = new Set(promoted)
  for (const id of members) {
    const current = byId.get(id)!.currentVersion
    r.assignments[id] = {
      role,
      wave: promotedIds.has(id) ? wave : waveOf(deviceBucket(r.id, id), waves),
      assignedInWave: wave,
      assignedAt: d.now,
      deadline: d.now + r.waveTimeoutMs,
      promoted: promotedIds.has(id),
      // a device that already runs the candidate has nothing of its own to return to
      previousVersion: current === r.model.version ? r.previousVersion : current,
    }
  }
  d.actions.push({ type: 'assign', deviceIds: members, role })
  const where = role === 'shadow' ? 'shadow stage' : waveLabel(r)
  const extra = promoted.length > 0 ? ` (${promoted.length} promoted from later waves: the wave was smaller than ${r.minDevicesPerWave})` : ''
  record(d, 'assigned', `${where}: assigned ${members.length} devices: ${listIds(members)}${extra}`)
}

function shadowWaves(r: Rollout): number[] {
  const percent = r.shadow!.percent
  return percent >= 100 ? [100] : [percent, 100]
}

interface Member {
  id: string
  status: AssignedStatus
  observation: DeviceObservation
}

function statuses(d: Draft, fleet: FactIndex, role: RolloutRole): Member[] {
  return Object.entries(d.r.assignments)
    .filter(([, a]) => a.role === role)
    .map(([id, a]) => ({ id, ...assignedStatus(d.r, id, a, fleet, d.now) }))
}

function judge(d: Draft, fleet: FactIndex, role: RolloutRole, final: boolean): GateReport {
  const observations = statuses(d, fleet, role).map((m) => m.observation)
  return evaluateGates(d.r.gates, observations, { stage: role === 'shadow' ? 'shadow' : 'wave', final })
}

/**
 * Whether the soak can start: no online device is still installing within its deadline, and at least one device
 * has finished, or the wave has waited `waveTimeoutMs` (a wave of offline devices gives no evidence, so it waits
 * that long for one of them to come back).
 */
function installed(d: Draft, members: readonly Member[]): boolean {
  if (members.some((m) => m.status === 'waiting')) return false
  return members.some((m) => m.status !== 'offline') || d.now >= d.r.waveStartedAt + d.r.waveTimeoutMs
}

function noteSoak(d: Draft, members: readonly Member[], soakMs: number): void {
  const count = (s: AssignedStatus): number => members.filter((m) => m.status === s).length
  const where = d.r.state === 'shadow' ? 'shadow stage' : waveLabel(d.r)
  if (count('timed-out') > 0) {
    record(d, 'wave-timeout', `${where}: ${count('timed-out')} devices did not finish installing within ${formatDuration(d.r.waveTimeoutMs)}; they count as failed installs`)
  }
  const offline = count('offline') > 0 ? `, ${count('offline')} offline` : ''
  record(d, 'soak-started', `${where}: ${count('executed')}/${members.length} devices installed${offline}; soaking for ${formatDuration(soakMs)}`)
}

function failures(report: GateReport): string {
  return report.results.filter((r) => !r.passed).map((r) => r.message).join('; ')
}

function summary(report: GateReport): string {
  return report.results.map((r) => r.message).join('; ')
}
