import type { GateConfig } from './gate-config.ts'
import type { DeviceObservation } from './gates.ts'
import type { RolloutTarget } from './target.ts'

/**
 * The plain data of a rollout: everything the machine needs to continue after a hub restart. The engine
 * stores it as it is (JSON) and hands it back to `step` with fresh facts.
 */

/**
 * - `shadow`: the candidate runs beside the active model on the shadow devices;
 * - `rolling`: the current wave is installing;
 * - `soaking`: the current wave has installed; watching it for `soakMs`;
 * - `paused`: nothing happens until `resume`;
 * - `completed`, `aborted` (stopped and rolled back, by a gate or an operator), `rolled-back` (rolled back by an
 *   operator after completing): final.
 */
export type RolloutState = 'shadow' | 'rolling' | 'soaking' | 'paused' | 'completed' | 'aborted' | 'rolled-back'

/** States in which `step` does work. */
export const RUNNING_STATES: ReadonlySet<RolloutState> = new Set(['shadow', 'rolling', 'soaking'])
/** States from which there is no way on (except `rollback` from `completed`). */
export const FINAL_STATES: ReadonlySet<RolloutState> = new Set(['completed', 'aborted', 'rolled-back'])

export type RolloutRole = 'active' | 'shadow'

/** The optional first stage: the candidate runs beside the active model before it serves anywhere. */
export interface ShadowStage {
  /** how long to watch the shadow once every online shadow device has loaded it */
  soakMs: number
  /**
   * Share of the target (cumulative percentage, like a wave) that runs the shadow; the same devices as the
   * first wave when equal to `waves[0]` (the default), so the canaries prove the candidate before serving it.
   * Small fleets are topped up to `minDevicesPerWave` devices as waves are.
   */
  percent: number
}

/** A device the rollout has handed the candidate to. */
export interface Assignment {
  role: RolloutRole
  /** the wave the device belongs to (by its bucket, or the wave it was promoted into); 0 for shadow */
  wave: number
  /** the wave that was running when it was assigned: late joiners of earlier waves hold up this one */
  assignedInWave: number
  assignedAt: number
  /** after this, an online device that has not finished installing counts as failed; moved on by `resume` */
  deadline: number
  /** promoted from a later wave because its own wave was too small */
  promoted: boolean
  /** the version the device ran before (null: none, or not known); the engine rolls back to it */
  previousVersion: string | null
}

export type RolloutEvent =
  | 'created'
  | 'assigned'
  | 'wave-started'
  | 'wave-skipped'
  | 'wave-timeout'
  | 'soak-started'
  | 'wave-passed'
  | 'shadow-passed'
  | 'completed'
  | 'aborted'
  | 'paused'
  | 'resumed'
  | 'rolled-back'

export interface HistoryEntry {
  at: number
  event: RolloutEvent
  message: string
}

export interface Rollout {
  id: string
  model: { name: string; version: string }
  /** the version the fleet ran before, when there was one (for people; per-device versions are in `assignments`) */
  previousVersion: string | null
  target: RolloutTarget
  /** cumulative percentages, the last 100 */
  waves: number[]
  soakMs: number
  /** how long a wave (or the shadow stage) waits for its online devices to install; unfinished ones then count as failed */
  waveTimeoutMs: number
  /** small fleets: each wave holds at least this many devices while any are left (see waves.ts) */
  minDevicesPerWave: number
  gates: GateConfig
  shadow: ShadowStage | null
  state: RolloutState
  /** 0-based index of the current wave (during the shadow stage: 0, the wave that comes next) */
  wave: number
  /** when the current wave (or the shadow stage) started; moved on by `resume` */
  waveStartedAt: number
  /** when the current soak started; null until then; moved on by `resume` */
  soakStartedAt: number | null
  /** set while paused: the state to resume into and since when */
  paused: { from: 'shadow' | 'rolling' | 'soaking'; at: number } | null
  /** why the rollout was aborted, paused or rolled back */
  reason: string | null
  /** by device id */
  assignments: Record<string, Assignment>
  createdAt: number
  history: HistoryEntry[]
}

/** What the engine knows of a device now. */
export interface FleetDevice {
  id: string
  tags: Record<string, string>
  online: boolean
  /** the version of the rollout's model the device runs, null for none */
  currentVersion: string | null
}

/** The facts `step` judges: the fleet and what the assigned devices reported (for their current role). */
export interface RolloutFacts {
  devices: readonly FleetDevice[]
  observations: readonly DeviceObservation[]
}

/** Work for the engine, in order. */
export type RolloutAction =
  | { type: 'assign'; deviceIds: string[]; role: RolloutRole }
  | { type: 'rollback'; deviceIds: string[]; /** by device id: the version to return to, null for none/unknown (the engine decides) */ previous: Record<string, string | null> }
  | { type: 'clear-shadow'; deviceIds: string[] }
  | { type: 'notify'; event: RolloutEvent; message: string }

/** The next state of a rollout and the work it calls for. */
export interface StepResult {
  rollout: Rollout
  actions: RolloutAction[]
}
