import { assignedStatus, indexFacts } from './device-status.ts'
import type { DeviceRolloutState } from './gates.ts'
import type { Rollout, RolloutFacts, RolloutState } from './rollout.ts'
import { matchesTarget } from './target.ts'

/** Devices per state; a device past its install deadline counts as `failed`, as the gates judge it. */
export type StateCounts = Record<DeviceRolloutState, number>

export interface WaveProgress {
  /** 0-based */
  index: number
  percent: number
  /** devices the percentages call for among the devices targeted now (cumulative share minus the previous wave's) */
  expected: number
  /** devices assigned to this wave so far */
  assigned: number
  counts: StateCounts
}

export interface RolloutProgress {
  state: RolloutState
  /** 0-based */
  wave: number
  /** devices the target matches now */
  targeted: number
  /** targeted devices not assigned yet (later waves, or joined after the rollout ended) */
  unassigned: number
  waves: WaveProgress[]
  /** the shadow stage while it lasts; null otherwise */
  shadow: { assigned: number; counts: StateCounts } | null
}

/** Progress per wave (device counts per state) for `rollout status` and the REST view. */
export function rolloutProgress(rollout: Rollout, facts: RolloutFacts, now: number): RolloutProgress {
  const fleet = indexFacts(facts)
  const targeted = facts.devices.filter((d) => matchesTarget(rollout.target, d))
  const waves: WaveProgress[] = rollout.waves.map((percent, index) => ({
    index,
    percent,
    expected: Math.round((targeted.length * percent) / 100) - Math.round((targeted.length * (rollout.waves[index - 1] ?? 0)) / 100),
    assigned: 0,
    counts: emptyCounts(),
  }))
  let shadow: RolloutProgress['shadow'] = null
  for (const [id, a] of Object.entries(rollout.assignments)) {
    const { observation } = assignedStatus(rollout, id, a, fleet, now)
    const bucket = a.role === 'shadow' ? (shadow ??= { assigned: 0, counts: emptyCounts() }) : waves[a.wave]
    if (bucket === undefined) continue
    bucket.assigned += 1
    bucket.counts[observation.state] += 1
  }
  return {
    state: rollout.state,
    wave: rollout.wave,
    targeted: targeted.length,
    unassigned: targeted.filter((d) => !Object.hasOwn(rollout.assignments, d.id)).length,
    waves,
    shadow,
  }
}

function emptyCounts(): StateCounts {
  return { pending: 0, installing: 0, active: 0, failed: 0, 'rolled-back': 0, offline: 0 }
}
