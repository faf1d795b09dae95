/** The per-feature statistic whose calibrated threshold decides whether a feature drifted. */
export const FEATURE_METRICS = ['psi', 'jensen-shannon', 'ks', 'wasserstein'] as const
export type FeatureMetric = (typeof FEATURE_METRICS)[number]

/**
 * How drift is decided. The defaults are documented in docs/DRIFT.md; a model's manifest (`drift`)
 * and the hub's configuration (per model) override them.
 */
export interface DriftPolicy {
  /** statistic that flags a feature (default ks: exact up to binning, most power against shifts of location among the exact ones) */
  metric: FeatureMetric
  /** quantile of the no-drift distribution, from resampling the reference at the window's size, used as threshold (0.995) */
  quantile: number
  /** resamples per threshold (1000) */
  resamples: number
  /** a window shows data drift when at least this share of features drifted (0.1; at least one feature) */
  driftShare: number
  /** data drift on at least this share of features is critical (0.5) */
  criticalShare: number
  /** raise after this many drifted windows in a row (3) */
  raiseAfter: number
  /** clear after this many clean windows in a row (3) */
  clearAfter: number
  /** windows with fewer samples are not judged on their own: the device or the hub merges them with the next (30) */
  minCount: number
  /** seed of the resampling generator, so agent and hub derive the same thresholds (1) */
  seed: number
}

export const DEFAULT_DRIFT_POLICY: Readonly<DriftPolicy> = Object.freeze({
  metric: 'ks',
  quantile: 0.995,
  resamples: 1000,
  driftShare: 0.1,
  criticalShare: 0.5,
  raiseAfter: 3,
  clearAfter: 3,
  minCount: 30,
  seed: 1,
})

/** Defaults, overridden by the manifest's policy, overridden by the operator's (undefined fields do not override). */
export function resolvePolicy(...overrides: (Partial<DriftPolicy> | undefined)[]): DriftPolicy {
  const out: DriftPolicy = { ...DEFAULT_DRIFT_POLICY }
  for (const o of overrides) {
    if (!o) continue
    for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v
  }
  return out
}

/** The policy fields a manifest's `drift` section sets (window sizes are the agent's business, not the policy's). */
export function manifestPolicy(drift: Partial<Record<keyof DriftPolicy | 'windowSamples' | 'windowSeconds', unknown>> | undefined): Partial<DriftPolicy> {
  if (!drift) return {}
  const out: Partial<DriftPolicy> = {}
  for (const key of ['metric', 'quantile', 'resamples', 'driftShare', 'criticalShare', 'raiseAfter', 'clearAfter', 'minCount'] as const) {
    if (drift[key] !== undefined) (out as Record<string, unknown>)[key] = drift[key]
  }
  return out
}
