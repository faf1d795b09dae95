import type { RolloutView } from '@edgefleet/protocol'
import { evaluateGates, formatTarget, rolloutProgress, type RolloutFacts } from '../../rollouts/policy/index.ts'
import type { StoredRollout } from '../../rollouts/rollout-engine.ts'

/** A stored rollout for REST: settings, state, progress per wave and the gates' verdict on the devices updated so far. */
export function rolloutView(s: StoredRollout, facts: RolloutFacts, now: number): RolloutView {
  const r = s.rollout
  const { state: _state, wave: _wave, ...progress } = rolloutProgress(r, facts, now)
  const shadowStage = r.state === 'shadow'
  const role = shadowStage ? 'shadow' : 'active'
  const verdict = evaluateGates(r.gates, facts.observations.filter((o) => o.role === role), { stage: shadowStage ? 'shadow' : 'wave' })
  return {
    id: r.id,
    model: r.model,
    previousVersion: r.previousVersion,
    target: formatTarget(r.target),
    waves: r.waves,
    soakMs: r.soakMs,
    waveTimeoutMs: r.waveTimeoutMs,
    minDevicesPerWave: r.minDevicesPerWave,
    gates: { ...r.gates },
    shadow: r.shadow,
    state: r.state,
    wave: r.wave,
    reason: r.reason,
    createdAt: r.createdAt,
    progress,
    verdict,
    history: r.history,
  }
}
