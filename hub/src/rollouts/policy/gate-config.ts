import { problemList, usageError } from './errors.ts'
import { formatPercent, parseFraction } from './percent.ts'

/**
 * Health gates of a rollout: what the updated devices must show before the next wave starts. Fractions are
 * 0–1 (0.1 = 10 %). `null` switches a gate off; `null` rather than a missing field so that a gate switched
 * off stays off when a stored rollout is merged with newer defaults.
 */
export interface GateConfig {
  /** Most installs that may fail, as a fraction of the devices that finished installing (failed, rolled back or active). */
  maxInstallFailureRate: number
  /**
   * Devices that must have finished installing before any gate can abort the rollout (AWS IoT Jobs'
   * `minNumberOfExecutedThings`): below it the gates are reported but not binding, except when the last
   * wave or the shadow stage ends, since no more evidence is coming then.
   */
  minDevicesExecuted: number
  /** Most inference errors, as a fraction of the updated devices' inference runs since the update. */
  maxInferenceErrorRate: number
  /** Inference runs (summed over the updated devices) needed before the error rate is judged; fewer are noise. */
  minInferenceRuns: number
  /** Latency p95 after the update may be at most p95 before × (1 + this); 0.5 = 50 % slower. `null`: off. */
  maxLatencyIncrease: number | null
  /**
   * …and the p95 may in any case grow by this many ms: sub-millisecond models see whole-millisecond jumps from
   * a GC pause or a busy core, which are not a regression users notice.
   */
  minLatencyIncreaseMs: number
  /** Most drift alerts the updated devices may raise since their update, all devices together. `null`: off. */
  maxDriftAlerts: number | null
  /** Largest drop of mean top-class confidence (0–1, absolute: 0.1 = ten points). `null`: off. */
  maxConfidenceDrop: number | null
  /** Least sample-weighted agreement of the shadow candidate with the active model. `null`: off. Needs a shadow stage. */
  minShadowAgreement: number | null
}

/**
 * Defaults: tolerate one failed install in ten, abort on the first executed device's evidence, 1 % inference
 * errors (judged after 100 runs), 50 % slower p95 (or 5 ms slower, whichever is more), confidence down at most ten points. Drift alerts are off by
 * default because input drift is caused by the world, not by the model version; shadow agreement is off
 * unless asked for.
 */
export const DEFAULT_GATES: Readonly<GateConfig> = Object.freeze({
  maxInstallFailureRate: 0.1,
  minDevicesExecuted: 1,
  maxInferenceErrorRate: 0.01,
  minInferenceRuns: 100,
  maxLatencyIncrease: 0.5,
  minLatencyIncreaseMs: 5,
  maxDriftAlerts: null,
  maxConfidenceDrop: 0.1,
  minShadowAgreement: null,
})

/** Largest latency floor accepted, ms. */
const MAX_LATENCY_FLOOR_MS = 60_000
/** Most a latency increase may be set to (10 = eleven times slower): anything more is a typo. */
const MAX_LATENCY_INCREASE = 10

/** CLI flags of the gates; values are percentages (`10%`) or fractions (`0.1`), counts for counts, `off` where a gate can be off. */
export const GATE_FLAGS = {
  'max-failure-rate': 'maxInstallFailureRate',
  'min-executed': 'minDevicesExecuted',
  'max-error-rate': 'maxInferenceErrorRate',
  'min-inference-runs': 'minInferenceRuns',
  'max-latency-increase': 'maxLatencyIncrease',
  'min-latency-increase-ms': 'minLatencyIncreaseMs',
  'max-drift-alerts': 'maxDriftAlerts',
  'max-confidence-drop': 'maxConfidenceDrop',
  'min-shadow-agreement': 'minShadowAgreement',
} as const satisfies Record<string, keyof GateConfig>

type Kind = 'fraction' | 'increase' | 'count' | 'ms'
const KIND: Record<keyof GateConfig, Kind> = {
  maxInstallFailureRate: 'fraction',
  minDevicesExecuted: 'count',
  maxInferenceErrorRate: 'fraction',
  minInferenceRuns: 'count',
  maxLatencyIncrease: 'increase',
  minLatencyIncreaseMs: 'ms',
  maxDriftAlerts: 'count',
  maxConfidenceDrop: 'fraction',
  minShadowAgreement: 'fraction',
}
const NULLABLE = new Set<keyof GateConfig>(['maxLatencyIncrease', 'maxDriftAlerts', 'maxConfidenceDrop', 'minShadowAgreement'])

/**
 * Reads the gate flags from a record of CLI options: keys in flag form (`max-failure-rate`, `--max-failure-rate`)
 * or as commander's camelCase (`maxFailureRate`); other keys are ignored, so the whole options object may be
 * passed. Values: `10%` or `0.1` for fractions (`max-latency-increase` may exceed 100 %), whole numbers for
 * counts, `off` for the gates that can be off. Returns the defaults overlaid with the flags; throws
 * `HUB_USAGE` naming every bad flag.
 */
export function parseGateFlags(flags: Readonly<Record<string, unknown>>): GateConfig {
  const gates: GateConfig = { ...DEFAULT_GATES }
  const problems: string[] = []
  for (const [key, raw] of Object.entries(flags)) {
    const flag = key.replace(/^--/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
    if (!Object.hasOwn(GATE_FLAGS, flag) || raw === undefined) continue
    const field = GATE_FLAGS[flag as keyof typeof GATE_FLAGS]
    const value = parseGateValue(field, String(raw))
    if (typeof value === 'string') problems.push(`--${flag}: ${value}`)
    else (gates as unknown as Record<string, number | null>)[field] = value
  }
  if (problems.length > 0) throw problemList('gate flags', problems)
  return gates
}

function parseGateValue(field: keyof GateConfig, text: string): number | null | string {
  if (text.trim() === 'off') return NULLABLE.has(field) ? null : `this gate cannot be off; write ${formatGateValue(field, DEFAULT_GATES[field])} (the default) or another value`
  switch (KIND[field]) {
    case 'count':
      return /^\d{1,9}$/.test(text.trim()) ? Number(text) : `${JSON.stringify(text)} is not a count: write a whole number such as ${DEFAULT_GATES[field] ?? 0}`
    case 'fraction':
      return parseFraction(text)
    case 'increase':
      return parseFraction(text, MAX_LATENCY_INCREASE)
    case 'ms': {
      const ms = Number(text.trim().replace(/ms$/, ''))
      return text.trim() !== '' && Number.isFinite(ms) && ms >= 0 && ms <= MAX_LATENCY_FLOOR_MS ? ms : `${JSON.stringify(text)} is not a duration in ms: write a number from 0 to ${MAX_LATENCY_FLOOR_MS}, e.g. 5 or 5ms`
    }
  }
}

/** Checks gates given as data (a REST body, a stored rollout); returns a copy, or throws `HUB_USAGE` naming every problem. */
export function validateGates(gates: Readonly<GateConfig>): GateConfig {
  const problems: string[] = []
  for (const field of Object.keys(KIND) as (keyof GateConfig)[]) {
    const v: unknown = gates[field]
    if (v === null && NULLABLE.has(field)) continue
    // rollouts stored before a gate setting existed take its default
    if (v === undefined && field === 'minLatencyIncreaseMs') continue
    const max = KIND[field] === 'fraction' ? 1 : KIND[field] === 'increase' ? MAX_LATENCY_INCREASE : KIND[field] === 'ms' ? MAX_LATENCY_FLOOR_MS : Number.MAX_SAFE_INTEGER
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max && (KIND[field] !== 'count' || Number.isInteger(v))
    if (!ok) problems.push(`${field} is ${JSON.stringify(v)}: ${expectation(field)}`)
  }
  if (problems.length > 0) throw usageError('gates', problems)
  return { ...gates }
}

function expectation(field: keyof GateConfig): string {
  const off = NULLABLE.has(field) ? ', or null for off' : ''
  switch (KIND[field]) {
    case 'count':
      return `write a whole number of at least 0${off}`
    case 'fraction':
      return `write a fraction from 0 to 1${off}`
    case 'increase':
      return `write a fraction from 0 to ${MAX_LATENCY_INCREASE}${off}`
    case 'ms':
      return `write milliseconds from 0 to ${MAX_LATENCY_FLOOR_MS}`
  }
}

/** A gate's threshold as people read it: `10%`, `3`, `off`. */
export function formatGateValue(field: keyof GateConfig, value: number | null): string {
  if (value === null) return 'off'
  return KIND[field] === 'count' ? String(value) : KIND[field] === 'ms' ? `${value}ms` : formatPercent(value)
}
