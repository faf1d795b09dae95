import type { DriftSignal, FeatureSummary, OutputSummary, ReferenceStatistics } from '@edgefleet/protocol'
import { CONFIDENCE_EDGES } from '../reference/output-reference.ts'
import { outputReferenceCount, type FeatureThresholds, type WindowThresholds } from './calibration.ts'
import { featureStatistics, prepareFeature, type FeatureStatistics, type PreparedFeature } from './feature-statistics.ts'
import type { DriftPolicy, FeatureMetric } from './policy.ts'
import { chi2PValue, ksCritical } from './special-functions.ts'
import { chi2Statistic, histogramMean } from './statistics.ts'

/** A feature's statistics with its thresholds and verdict. */
export interface FeatureVerdict extends FeatureStatistics {
  thresholds: FeatureThresholds
  drifted: boolean
}

/** Verdict on one window (a device's, or several merged). */
export interface WindowVerdict {
  /** samples in the window */
  count: number
  /** false when the window is below the policy's `minCount`: nothing was judged */
  judged: boolean
  features: FeatureVerdict[]
  drifted: string[]
  driftShare: number
  dataDrift: boolean
  severity: 'warning' | 'critical'
  prediction?: { chi2: number; threshold: number; pValue: number; drifted: boolean }
  confidence?: { mean: number; referenceMean: number; drop: number; threshold: number; meanEntropy: number | null; referenceEntropy: number | null; drifted: boolean }
}

const METRIC_VALUE: Record<FeatureMetric, (s: FeatureStatistics) => number> = {
  'psi': (s) => s.psi,
  'jensen-shannon': (s) => s.jensenShannon,
  'ks': (s) => s.ks,
  'wasserstein': (s) => s.wasserstein,
}
const METRIC_THRESHOLD: Record<FeatureMetric, (t: FeatureThresholds) => number> = {
  'psi': (t) => t.psi,
  'jensen-shannon': (t) => t.jensenShannon,
  'ks': (t) => t.ks,
  'wasserstein': (t) => t.wasserstein,
}

/** What is judged: a device's window summary or several merged (`DriftSummary`, `MergedWindow`, `WindowContent`). */
export interface JudgedWindow {
  window: { count: number }
  features: readonly FeatureSummary[]
  outputs: OutputSummary
}

/** A model version's reference, prepared once for evaluating many windows. */
export interface PreparedReference {
  reference: ReferenceStatistics
  features: PreparedFeature[]
}

export function prepareReference(reference: ReferenceStatistics): PreparedReference {
  return { reference, features: reference.features.map(prepareFeature) }
}

/**
 * Judges one window against the reference (`detail: 'verdict'` computes only the policy's statistic per
 * feature: the others are NaN): every statistic per feature, the policy's metric against
 * its calibrated threshold, the share of drifted features (data drift), χ² of predicted classes
 * (prediction drift) and the drop of mean confidence (confidence drop). Pure: no I/O, no state.
 */
export function evaluateWindow(
  window: JudgedWindow,
  ref: PreparedReference,
  thresholds: WindowThresholds,
  policy: Pick<DriftPolicy, 'metric' | 'driftShare' | 'criticalShare' | 'minCount' | 'quantile'>,
  detail: 'full' | 'verdict' = 'full',
): WindowVerdict {
  const n = ref.reference.sampleCount
  const critical = new Map<number, number>()
  const ksThreshold = (present: number): number => {
    let t = critical.get(present)
    if (t === undefined) critical.set(present, (t = ksCritical(1 - policy.quantile, present, n)))
    return t
  }
  const value = METRIC_VALUE[policy.metric]
  const limit = METRIC_THRESHOLD[policy.metric]
  const features = window.features.map((f, i): FeatureVerdict => {
    // built field by field, not by spreading: this runs for every feature of every window
    const v = featureStatistics(f, ref.features[i]!, n, detail === 'verdict' ? policy.metric : undefined) as FeatureVerdict
    const r = thresholds.features[i]!
    const t: FeatureThresholds = { psi: r.psi, jensenShannon: r.jensenShannon, ks: ksThreshold(f.count), wasserstein: r.wasserstein }
    // no present value at all: drift when the reference makes an all-missing window that unlikely
    const missing = ref.reference.features[i]!.missingRate
    v.thresholds = t
    v.drifted = f.count > 0 ? value(v) > limit(t) : f.missing > 0 && missing ** f.missing < 1 - policy.quantile
    return v
  })
  const count = window.window.count
  const judged = count >= policy.minCount
  const drifted = judged ? features.filter((f) => f.drifted).map((f) => f.name) : []
  const driftShare = features.length === 0 ? 0 : drifted.length / features.length
  const needed = Math.max(1, Math.ceil(policy.driftShare * features.length - 1e-9))
  const verdict: WindowVerdict = {
    count,
    judged,
    features,
    drifted,
    driftShare,
    dataDrift: judged && drifted.length >= needed,
    severity: driftShare >= policy.criticalShare ? 'critical' : 'warning',
  }
  const outputs = ref.reference.outputs
  const classCounts = window.outputs.classCounts
  if (outputs.classDistribution && classCounts && classCounts.length === outputs.classDistribution.length && thresholds.predictionChi2 !== undefined) {
    const outputCount = outputReferenceCount(ref.reference)
    const chi2 = chi2Statistic(classCounts, outputs.classDistribution, outputCount)
    const rows = classCounts.reduce((a: number, b: number) => a + b, 0)
    // the reference is a sample too: scale χ² to what it would be against the true proportions
    const effective = rows === 0 ? 0 : chi2 / (1 + rows / outputCount)
    verdict.prediction = {
      chi2,
      threshold: thresholds.predictionChi2,
      pValue: chi2PValue(effective, outputs.classDistribution.length - 1),
      drifted: judged && rows > 0 && chi2 > thresholds.predictionChi2,
    }
  }
  const bins = window.outputs.confidenceBins
  if (outputs.confidenceProportions && bins && bins.length === CONFIDENCE_EDGES.length - 1 && thresholds.confidenceDrop !== undefined) {
    const rows = bins.reduce((a: number, b: number) => a + b, 0)
    const mean = histogramMean(bins, CONFIDENCE_EDGES)
    const referenceMean = histogramMean(outputs.confidenceProportions, CONFIDENCE_EDGES)
    verdict.confidence = {
      mean,
      referenceMean,
      drop: referenceMean - mean,
      threshold: thresholds.confidenceDrop,
      meanEntropy: rows > 0 && window.outputs.entropySum !== undefined ? window.outputs.entropySum / rows : null,
      referenceEntropy: outputs.meanEntropy ?? null,
      drifted: judged && rows > 0 && referenceMean - mean > thresholds.confidenceDrop,
    }
  }
  return verdict
}

/** The signals an alert carries for a verdict: every drifted feature's statistics with thresholds, then the share. */
export function dataDriftSignals(v: WindowVerdict, policy: Pick<DriftPolicy, 'metric' | 'driftShare'>): DriftSignal[] {
  const signals: DriftSignal[] = []
  const ranked = v.features.filter((f) => f.drifted).sort((a, b) => METRIC_VALUE[policy.metric](b) / METRIC_THRESHOLD[policy.metric](b.thresholds) - METRIC_VALUE[policy.metric](a) / METRIC_THRESHOLD[policy.metric](a.thresholds))
  for (const f of ranked.slice(0, 60)) {
    signals.push({ feature: f.name, metric: 'psi', value: f.psi, threshold: f.thresholds.psi })
    signals.push({ feature: f.name, metric: 'ks', value: f.ks, threshold: f.thresholds.ks, pValue: f.ksPValue })
    signals.push({ feature: f.name, metric: 'jensen-shannon', value: f.jensenShannon, threshold: f.thresholds.jensenShannon })
    signals.push({ feature: f.name, metric: 'wasserstein', value: f.wasserstein, threshold: f.thresholds.wasserstein })
  }
  signals.push({ metric: 'drift-share', value: v.driftShare, threshold: policy.driftShare })
  return signals
}
