import type { RunDrift } from '../cli/run-drift.ts'
import type { ProvenPackage } from '../deploy/activation.ts'
import type { DriftMonitor } from '../drift/drift-monitor.ts'
import { servingModel } from '../model/load-model.ts'
import type { ServingModel } from '../model/serving-model.ts'
import { ModelHealth } from '../pipeline/model-health.ts'
import type { ServedModel } from '../pipeline/model-slot.ts'

/** Options of {@link serveModel}. */
export interface ServeOptions {
  /** the run's drift monitoring: the model gets its own monitor */
  drift?: RunDrift
  /** refuses a model the running sources cannot feed (the slot's feature check), before any calibration */
  check?: (model: ServingModel) => void
}

/** A served model that also carries its drift monitor (for the status message). */
export interface AgentServedModel extends ServedModel {
  readonly drift?: DriftMonitor
}

/**
 * Wraps a proven package for serving: the tabular or image model its input asks for, fresh health figures, and a drift monitor
 * from the new manifest's reference. Retiring it closes the drift window (sent under this model's
 * version) and the session. Takes ownership of the backend only when it resolves.
 */
export async function serveModel(pkg: ProvenPackage, o: ServeOptions = {}): Promise<AgentServedModel> {
  const { manifest, backend } = pkg
  const model = servingModel(manifest, backend)
  o.check?.(model)
  const drift = await o.drift?.monitorFor(manifest, model.features)
  return {
    model,
    ref: { name: manifest.name, version: manifest.version, sha256: manifest.model.sha256 },
    health: new ModelHealth(),
    dir: pkg.dir,
    ...(drift ? { drift, observe: (records, output) => drift.observe(records, output) } : {}),
    retire: async () => {
      drift?.close()
      await backend.close()
    },
  }
}
