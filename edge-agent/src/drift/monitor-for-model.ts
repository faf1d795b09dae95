import type { DriftState, Manifest } from '@edgefleet/protocol'
import { manifestPolicy, resolvePolicy, type WindowContent } from '@edgefleet/models/drift'
import { silentLogger, type Logger } from '../errors.ts'
import { DriftEvaluator } from './drift-evaluator.ts'
import { DriftMonitor } from './drift-monitor.ts'
import { classCountOf, referenceOrder } from './sample-layout.ts'

/** Options of {@link monitorForModel}. */
export interface ModelDriftOptions {
  /** window size overrides (flags); the manifest's `drift` section gives the defaults */
  windowSamples?: number
  windowSeconds?: number
  publish: (content: WindowContent) => void
  onStateChange?: (state: DriftState) => void
  logger?: Logger
  now?: () => number
}

/**
 * The drift monitor for a loaded model: windows sized by the manifest (or the overrides), judged
 * with the manifest's policy over the built-in defaults. `undefined`, logged once, when the package
 * has no reference statistics for its features: there is nothing to compare windows with.
 */
export function monitorForModel(manifest: Manifest, modelFeatures: readonly string[], o: ModelDriftOptions): DriftMonitor | undefined {
  const logger = o.logger ?? silentLogger
  const reference = manifest.reference
  if (reference.features.length === 0) {
    logger.warn({ model: `${manifest.name}@${manifest.version}` }, 'drift monitoring is off: the model package has no reference statistics for its features')
    return undefined
  }
  const now = o.now ?? Date.now
  const policy = resolvePolicy(manifestPolicy(manifest.drift))
  const classCount = classCountOf(manifest)
  return new DriftMonitor({
    reference,
    order: referenceOrder(modelFeatures, reference.features),
    outputs: classCount === null ? null : { classCount, logits: manifest.outputs[0]!.role === 'logits' },
    window: { samples: o.windowSamples ?? manifest.drift.windowSamples, seconds: o.windowSeconds ?? manifest.drift.windowSeconds },
    evaluator: new DriftEvaluator(reference, policy, manifest, now()),
    publish: o.publish,
    onStateChange: o.onStateChange,
    logger,
    now,
  })
}
