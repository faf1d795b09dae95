import { EXECUTED_STATES, type DeviceObservation } from './gates.ts'
import type { Assignment, FleetDevice, Rollout, RolloutFacts } from './rollout.ts'

/**
 * Where an assigned device stands, as the machine and the gates see it:
 * - `executed`: it finished installing (active, failed or rolled back), whether online now or not;
 * - `waiting`: online and not finished, its deadline not passed: it holds up its wave;
 * - `timed-out`: online, not finished, past its deadline (`assignedAt + waveTimeoutMs`): judged as a failed install;
 * - `offline`: not finished and offline (or no longer in the fleet): neither holds up a wave nor counts in the
 *   gates until it reports.
 */
export type AssignedStatus = 'executed' | 'waiting' | 'timed-out' | 'offline'

/** Error code of the failure an install is judged to have when it times out. */
export const TIMEOUT_CODE = 'HUB_ROLLOUT_TIMEOUT'

/** The facts, looked up by device id. */
export interface FactIndex {
  devices: ReadonlyMap<string, FleetDevice>
  observations: ReadonlyMap<string, DeviceObservation>
}

export function indexFacts(facts: RolloutFacts): FactIndex {
  return {
    devices: new Map(facts.devices.map((d) => [d.id, d])),
    observations: new Map(facts.observations.map((o) => [o.id, o])),
  }
}

/**
 * The observation the gates judge for an assigned device, and its status. Without an observation for its role,
 * an active assignment is `active` when the device already reports the candidate's version, else `pending`.
 */
export function assignedStatus(
  rollout: Rollout,
  id: string,
  assignment: Assignment,
  facts: FactIndex,
  now: number,
): { status: AssignedStatus; observation: DeviceObservation } {
  const device = facts.devices.get(id)
  const reported = facts.observations.get(id)
  const current = reported !== undefined && (reported.role ?? assignment.role) === assignment.role ? reported : undefined
  const runsCandidate = assignment.role === 'active' && device?.currentVersion === rollout.model.version
  const observation: DeviceObservation = current ?? { id, role: assignment.role, state: runsCandidate ? 'active' : 'pending', inferenceRuns: 0, inferenceErrors: 0 }
  if (EXECUTED_STATES.has(observation.state)) return { status: 'executed', observation }
  if (device?.online !== true || observation.state === 'offline') return { status: 'offline', observation: { ...observation, state: 'offline' } }
  if (now >= assignment.deadline) {
    return { status: 'timed-out', observation: { ...observation, state: 'failed', failure: { step: observation.state, code: TIMEOUT_CODE } } }
  }
  return { status: 'waiting', observation }
}
