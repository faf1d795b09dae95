/**
 * The pure policy of health-gated model rollouts: targets, waves, gates and the rollout state machine. No I/O,
 * no timers, no clock but a `now` argument; the engine adapts it to stores, MQTT and REST.
 */
export { RolloutPolicyError, type RolloutPolicyErrorCode } from './errors.ts'
export { parseTarget, formatTarget, matchesTarget, MAX_TARGET_IDS, type RolloutTarget, type TargetDevice } from './target.ts'
export {
  parseWaves,
  validateWaves,
  deviceBucket,
  waveOf,
  selectWaveMembers,
  planWaves,
  BUCKETS,
  MAX_WAVES,
  type WaveCandidate,
  type WaveSelection,
  type WavePlan,
} from './waves.ts'
export { DEFAULT_GATES, GATE_FLAGS, parseGateFlags, validateGates, formatGateValue, type GateConfig } from './gate-config.ts'
export {
  evaluateGates,
  nearestRank,
  EXECUTED_STATES,
  type DeviceObservation,
  type DeviceRolloutState,
  type EvaluateOptions,
  type GateName,
  type GateReport,
  type GateResult,
} from './gates.ts'
export { TIMEOUT_CODE } from './device-status.ts'
export { parseDuration, formatDuration } from './duration.ts'
export { parseFraction, formatPercent } from './percent.ts'
export { createRollout, parseRolloutFlags, parseModelRef, ROLLOUT_DEFAULTS, type RolloutSpec, type RolloutFlags } from './rollout-spec.ts'
export {
  RUNNING_STATES,
  FINAL_STATES,
  type Rollout,
  type RolloutState,
  type RolloutRole,
  type RolloutEvent,
  type ShadowStage,
  type Assignment,
  type HistoryEntry,
  type FleetDevice,
  type RolloutFacts,
  type RolloutAction,
  type StepResult,
} from './rollout.ts'
export { step } from './rollout-machine.ts'
export { pause, resume, abort, rollback } from './rollout-transitions.ts'
export { rolloutProgress, type RolloutProgress, type WaveProgress, type StateCounts } from './rollout-progress.ts'
