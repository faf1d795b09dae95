import type { AgentStats } from '../pipeline/stats.ts'
import type { ModelSlot } from '../pipeline/model-slot.ts'
import type { StatusDetails } from '../uplink/status.ts'
import type { AgentServedModel } from './served-model.ts'

/**
 * What each status message says about the agent: the served model and its backend, the run's
 * counters, the served model's health since it was loaded (inference runs and failed runs, which
 * the hub's rollout gates read), the per-sample latency since the last status, the drift state,
 * and how a shadow candidate compares with the served model.
 */
export function statusDescriber(slot: ModelSlot, stats: AgentStats, refused: () => number): () => StatusDetails {
  return () => {
    const served = slot.current as AgentServedModel
    const latency = served.health.takeLatency()
    const drift = served.drift?.state()
    const shadow = slot.shadow
    return {
      backend: served.model.backend.kind,
      model: { ...served.ref },
      counters: {
        predictions: stats.predictions,
        invalidReadings: stats.rejectedTotal - stats.dropped,
        droppedReadings: stats.dropped,
        errors: refused(),
        inferenceRuns: served.health.runs,
        inferenceErrors: served.health.errors,
      },
      ...(latency ?? {}),
      ...(drift ? { drift } : {}),
      ...(shadow ? { shadow: shadow.comparison.state(shadow.served) } : {}),
    }
  }
}
