import { ALERT_KINDS, type AlertKind, type ReferenceStatistics } from '@edgefleet/protocol'
import { RESAMPLED_METRICS, ThresholdCalibrator } from './calibration.ts'
import { evaluateWindow, prepareReference, type JudgedWindow, type PreparedReference, type WindowVerdict } from './evaluate-window.ts'
import { CLEAR_STATE, stepHysteresis, type HysteresisState } from './hysteresis.ts'
import type { DriftPolicy } from './policy.ts'

/**
 * Judges windows of one model version: its reference prepared once, thresholds calibrated lazily per
 * window size and cached. Shared by every scope (devices, fleet) that runs this version.
 */
export class DriftJudge {
  private readonly prepared: PreparedReference
  private readonly calibrator: ThresholdCalibrator

  /**
   * `detail: 'verdict'` (an agent) computes and calibrates only what the policy's metric needs, so
   * judging is several times cheaper and a KS policy needs no feature resampling at all; `'full'` (the
   * hub, default) computes every statistic and threshold, as alerts report them.
   */
  constructor(reference: ReferenceStatistics, readonly policy: Readonly<DriftPolicy>, private readonly detail: 'full' | 'verdict' = 'full') {
    this.prepared = prepareReference(reference)
    const metrics = detail === 'full' ? RESAMPLED_METRICS : RESAMPLED_METRICS.filter((m) => m === policy.metric)
    this.calibrator = new ThresholdCalibrator(reference, policy, metrics)
  }

  get featureNames(): string[] {
    return this.prepared.features.map((f) => f.name)
  }

  /** Calibrates the thresholds for windows of `count` samples without blocking for long (see ThresholdCalibrator.prepare). */
  prepare(count: number): Promise<void> {
    return this.calibrator.prepare(Math.max(1, count))
  }

  judge(window: JudgedWindow): WindowVerdict {
    if (window.features.length !== this.prepared.features.length) {
      throw new RangeError(`window has ${window.features.length} features, the reference ${this.prepared.features.length}`)
    }
    return evaluateWindow(window, this.prepared, this.calibrator.at(Math.max(1, window.window.count)), this.policy, this.detail)
  }
}

/** The drift alert kinds a judge's verdicts step (the protocol's alert kinds). */
export const DRIFT_KINDS: readonly AlertKind[] = ALERT_KINDS

/** Whether a verdict shows each kind of drift; undefined when the model has no such signal. */
export function driftByKind(v: WindowVerdict): Partial<Record<AlertKind, boolean>> {
  const out: Partial<Record<AlertKind, boolean>> = { 'data-drift': v.dataDrift }
  if (v.prediction) out['prediction-drift'] = v.prediction.drifted
  if (v.confidence) out['confidence-drop'] = v.confidence.drifted
  return out
}

/** One scope's alert states (one per kind), stepped by each judged window with hysteresis. */
export class AlertTracker {
  private readonly states = new Map<AlertKind, HysteresisState>()

  constructor(private readonly policy: Pick<DriftPolicy, 'raiseAfter' | 'clearAfter'>) {}

  /** Marks a kind as raised (after a restart, from stored alerts). */
  restore(kind: AlertKind): void {
    this.states.set(kind, { raised: true, streak: 0 })
  }

  /** Steps every kind the verdict judges; returns the raise/clear transitions. Unjudged windows change nothing. */
  step(v: WindowVerdict): { kind: AlertKind; transition: 'raised' | 'cleared' }[] {
    if (!v.judged) return []
    const out: { kind: AlertKind; transition: 'raised' | 'cleared' }[] = []
    for (const [kind, drifted] of Object.entries(driftByKind(v)) as [AlertKind, boolean][]) {
      const next = stepHysteresis(this.states.get(kind) ?? CLEAR_STATE, drifted, this.policy)
      this.states.set(kind, next.state)
      if (next.transition) out.push({ kind, transition: next.transition })
    }
    return out
  }

  raised(): AlertKind[] {
    return [...this.states.entries()].filter(([, s]) => s.raised).map(([k]) => k)
  }
}
