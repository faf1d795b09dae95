import { DEFAULT_GATES, type GateConfig } from './gate-config.ts'
import { formatPercent } from './percent.ts'

/** Where a device is with the rollout's candidate (for a shadow assignment: with loading the shadow). */
export type DeviceRolloutState = 'pending' | 'installing' | 'active' | 'failed' | 'rolled-back' | 'offline'

/** The states in which a device has executed the update: it finished installing, one way or the other. */
export const EXECUTED_STATES: ReadonlySet<DeviceRolloutState> = new Set(['active', 'failed', 'rolled-back'])

/** What the hub knows of one updated (or shadowing) device, collected by the engine from reports and telemetry. */
export interface DeviceObservation {
  id: string
  /** the assignment this is about; an observation for another role than the device's assignment is stale and ignored */
  role?: 'active' | 'shadow'
  state: DeviceRolloutState
  /** the activation step that failed and its error code (`AGENT_…`, `MODEL_…`), when `failed` or `rolled-back` */
  failure?: { step: string; code: string }
  /** inference runs with the candidate since the update */
  inferenceRuns: number
  /** of which failed */
  inferenceErrors: number
  /** the device's own latency p95 with the model it ran before, ms */
  latencyP95BeforeMs?: number
  /** the device's own latency p95 with the candidate, ms */
  latencyP95AfterMs?: number
  /** drift alerts raised by the device since the update */
  driftAlerts?: number
  /**
   * mean top-class confidence to compare against, 0–1: the engine gives the mean of devices not updated
   * over the same period (a contemporaneous control, so inputs that change with time are not blamed on the model)
   */
  confidenceBefore?: number
  /** mean top-class confidence with the candidate, 0–1 */
  confidenceAfter?: number
  /** shadow stage: how often the candidate agreed with the active model, and its latency */
  shadow?: { samples: number; agreement?: number; latencyP95Ms?: number }
}

export type GateName = 'install-failure-rate' | 'inference-error-rate' | 'latency-p95' | 'drift-alerts' | 'confidence-drop' | 'shadow-agreement'

/** One gate's verdict. */
export interface GateResult {
  gate: GateName
  passed: boolean
  /** false when there is no data to judge yet (the gate then passes) */
  judged: boolean
  /** the measured value (a fraction, ms or a count); null when not judged */
  value: number | null
  threshold: number
  /** for people: `install failures 3/10 = 30% > 10%` */
  message: string
}

export interface GateReport {
  /** every gate passed (gates without data pass) */
  passed: boolean
  /** enough devices executed (`minDevicesExecuted`) for the verdict to be binding */
  decided: boolean
  /** devices that finished installing */
  executed: number
  results: GateResult[]
}

export interface EvaluateOptions {
  /**
   * `wave` (default): the candidate serves; judge installs, inference errors, latency, drift and confidence.
   * `shadow`: the candidate runs beside the active model; judge shadow loads (as installs), the shadow's
   * latency against the active model's, and agreement.
   */
  stage?: 'wave' | 'shadow'
  /** the end of a stage: a required gate without data (shadow agreement) fails instead of passing */
  final?: boolean
}

/**
 * Judges the gates over the observations of the updated devices (one wave or all so far).
 *
 * - Install failures: failed + rolled-back over executed (active + failed + rolled-back) devices.
 * - Inference errors: Σ errors / Σ runs of the active devices, judged from `minInferenceRuns` runs.
 * - Latency: p95 across the active devices that report both values of their own p95 after the update, against
 *   p95 of the same devices' values before (shadow stage: the shadow's p95 against the active model's). p95 is
 *   nearest-rank: sort the n values ascending and take the ⌈0.95 n⌉-th (so with fewer than 20 devices it is the
 *   largest value). The limit is the larger of before × (1 + maxLatencyIncrease) and before + minLatencyIncreaseMs.
 * - Drift: Σ drift alerts of the active devices.
 * - Confidence: mean baseline confidence minus mean confidence with the candidate, over the active devices that report both.
 * - Shadow agreement: Σ (agreement × samples) / Σ samples over the devices that report agreement.
 */
export function evaluateGates(gates: Readonly<GateConfig>, observations: readonly DeviceObservation[], options: EvaluateOptions = {}): GateReport {
  const g = { ...DEFAULT_GATES, ...gates }
  const shadow = options.stage === 'shadow'
  const executed = observations.filter((o) => EXECUTED_STATES.has(o.state))
  const active = observations.filter((o) => o.state === 'active')
  const results: GateResult[] = [installFailures(g, executed, shadow)]
  if (!shadow) results.push(inferenceErrors(g, active))
  if (g.maxLatencyIncrease !== null) results.push(latency(g.maxLatencyIncrease, g.minLatencyIncreaseMs, active, shadow))
  if (!shadow && g.maxDriftAlerts !== null) results.push(driftAlerts(g.maxDriftAlerts, active))
  if (!shadow && g.maxConfidenceDrop !== null) results.push(confidenceDrop(g.maxConfidenceDrop, active))
  if (shadow && g.minShadowAgreement !== null) results.push(shadowAgreement(g.minShadowAgreement, active, options.final === true))
  return { passed: results.every((r) => r.passed), decided: executed.length >= g.minDevicesExecuted, executed: executed.length, results }
}

/** Nearest-rank percentile `p` (0–1] of `values`: the ⌈p·n⌉-th smallest; null for no values. */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1]!
}

function installFailures(g: GateConfig, executed: readonly DeviceObservation[], shadow: boolean): GateResult {
  const failed = executed.filter((o) => o.state !== 'active').length
  const what = shadow ? 'shadow load failures' : 'install failures'
  const base = { gate: 'install-failure-rate', threshold: g.maxInstallFailureRate } as const
  if (executed.length === 0) return { ...base, passed: true, judged: false, value: null, message: `${what}: no device has finished yet` }
  const rate = failed / executed.length
  const passed = rate <= g.maxInstallFailureRate
  const codes = failureCodes(executed)
  return {
    ...base,
    passed,
    judged: true,
    value: rate,
    message: `${what} ${failed}/${executed.length} = ${formatPercent(rate)} ${passed ? '≤' : '>'} ${formatPercent(g.maxInstallFailureRate)}${codes}`,
  }
}

/** ` (verify-signature AGENT_SIGNATURE_INVALID ×2, load MODEL_LOAD_FAILED)`: what went wrong, most frequent first. */
function failureCodes(executed: readonly DeviceObservation[]): string {
  const counts = new Map<string, number>()
  for (const o of executed) if (o.failure) counts.set(`${o.failure.step} ${o.failure.code}`, (counts.get(`${o.failure.step} ${o.failure.code}`) ?? 0) + 1)
  if (counts.size === 0) return ''
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3)
  return ` (${top.map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ')}${counts.size > 3 ? ', …' : ''})`
}

function inferenceErrors(g: GateConfig, active: readonly DeviceObservation[]): GateResult {
  const runs = active.reduce((s, o) => s + o.inferenceRuns, 0)
  const errors = active.reduce((s, o) => s + o.inferenceErrors, 0)
  const base = { gate: 'inference-error-rate', threshold: g.maxInferenceErrorRate } as const
  if (runs < Math.max(1, g.minInferenceRuns)) {
    return { ...base, passed: true, judged: false, value: null, message: `inference errors: ${runs} of ${g.minInferenceRuns} runs needed to judge` }
  }
  const rate = errors / runs
  const passed = rate <= g.maxInferenceErrorRate
  return { ...base, passed, judged: true, value: rate, message: `inference errors ${errors}/${runs} = ${formatPercent(rate)} ${passed ? '≤' : '>'} ${formatPercent(g.maxInferenceErrorRate)}` }
}

function latency(maxIncrease: number, floorMs: number, active: readonly DeviceObservation[], shadow: boolean): GateResult {
  const pairs = active.flatMap((o) => {
    const after = shadow ? o.shadow?.latencyP95Ms : o.latencyP95AfterMs
    return o.latencyP95BeforeMs !== undefined && after !== undefined ? [{ before: o.latencyP95BeforeMs, after }] : []
  })
  const before = nearestRank(pairs.map((p) => p.before), 0.95)
  const after = nearestRank(pairs.map((p) => p.after), 0.95)
  const base = { gate: 'latency-p95', threshold: maxIncrease } as const
  const what = shadow ? 'shadow latency p95' : 'latency p95'
  if (before === null || after === null) return { ...base, passed: true, judged: false, value: null, message: `${what}: no device reports it before and after yet` }
  const increase = before > 0 ? after / before - 1 : after > 0 ? Number.POSITIVE_INFINITY : 0
  // slower by the fraction, or by the floor in ms, whichever allows more
  const limit = Math.max(before * (1 + maxIncrease), before + floorMs)
  const passed = after <= limit + 1e-9
  const change = increase >= 0 ? `+${formatPercent(increase)}` : `-${formatPercent(-increase)}`
  return {
    ...base,
    passed,
    judged: true,
    value: increase,
    message: `${what} ${round(after)} ms vs ${round(before)} ms before (${change}, ${pairs.length} devices) ${passed ? '≤' : '>'} ${round(limit)} ms (+${formatPercent(maxIncrease)} or +${round(floorMs)} ms)`,
  }
}

function driftAlerts(max: number, active: readonly DeviceObservation[]): GateResult {
  const reporting = active.filter((o) => o.driftAlerts !== undefined)
  const alerts = reporting.reduce((s, o) => s + (o.driftAlerts ?? 0), 0)
  const devices = reporting.filter((o) => (o.driftAlerts ?? 0) > 0).length
  const passed = alerts <= max
  return { gate: 'drift-alerts', threshold: max, passed, judged: true, value: alerts, message: `drift alerts ${alerts} on ${devices} devices ${passed ? '≤' : '>'} ${max}` }
}

function confidenceDrop(maxDrop: number, active: readonly DeviceObservation[]): GateResult {
  const pairs = active.flatMap((o) => (o.confidenceBefore !== undefined && o.confidenceAfter !== undefined ? [[o.confidenceBefore, o.confidenceAfter] as const] : []))
  const base = { gate: 'confidence-drop', threshold: maxDrop } as const
  if (pairs.length === 0) return { ...base, passed: true, judged: false, value: null, message: 'confidence: no updated device has a baseline to compare with yet' }
  const before = pairs.reduce((s, p) => s + p[0], 0) / pairs.length
  const after = pairs.reduce((s, p) => s + p[1], 0) / pairs.length
  const drop = before - after
  const passed = drop <= maxDrop + 1e-12
  return {
    ...base,
    passed,
    judged: true,
    value: drop,
    message: `mean confidence ${formatPercent(after)} vs ${formatPercent(before)} baseline (${pairs.length} devices): drop ${formatPercent(Math.max(0, drop))} ${passed ? '≤' : '>'} ${formatPercent(maxDrop)}`,
  }
}

function shadowAgreement(min: number, active: readonly DeviceObservation[], final: boolean): GateResult {
  const reporting = active.filter((o) => o.shadow !== undefined && o.shadow.agreement !== undefined && o.shadow.samples > 0)
  const samples = reporting.reduce((s, o) => s + o.shadow!.samples, 0)
  const base = { gate: 'shadow-agreement', threshold: min } as const
  if (samples === 0) {
    return final
      ? { ...base, passed: false, judged: true, value: null, message: `shadow agreement: no device reported any, so nothing shows it is ≥ ${formatPercent(min)}; check that the devices run the shadow and receive readings` }
      : { ...base, passed: true, judged: false, value: null, message: 'shadow agreement: no samples yet' }
  }
  const agreement = reporting.reduce((s, o) => s + o.shadow!.agreement! * o.shadow!.samples, 0) / samples
  const passed = agreement >= min - 1e-12
  return {
    ...base,
    passed,
    judged: true,
    value: agreement,
    message: `shadow agreement ${formatPercent(agreement)} over ${samples} samples on ${reporting.length} devices ${passed ? '≥' : '<'} ${formatPercent(min)}`,
  }
}

function round(ms: number): number {
  return Number(ms.toFixed(ms < 10 ? 2 : 1))
}
