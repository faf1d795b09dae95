import { isModelName, SemVer } from '@edgefleet/protocol'
import { Compile } from 'typebox/compile'
import { parseDuration } from './duration.ts'
import { collectProblem, problemList, usageError } from './errors.ts'
import { DEFAULT_GATES, parseGateFlags, validateGates, type GateConfig } from './gate-config.ts'
import { parseFraction } from './percent.ts'
import type { Rollout } from './rollout.ts'
import { formatTarget, parseTarget, type RolloutTarget } from './target.ts'
import { parseWaves, validateWaves } from './waves.ts'

/** What an operator asks for; `createRollout` fills in the defaults and checks it. */
export interface RolloutSpec {
  id: string
  model: { name: string; version: string }
  previousVersion?: string | null
  target: RolloutTarget
  waves?: number[]
  soakMs?: number
  waveTimeoutMs?: number
  minDevicesPerWave?: number
  gates?: Partial<GateConfig>
  /** a shadow stage before the first wave; `percent` defaults to the first wave's */
  shadow?: { soakMs: number; percent?: number } | null
}

/** Defaults of a rollout, beside the gates' (`DEFAULT_GATES`). */
export const ROLLOUT_DEFAULTS = Object.freeze({
  /** 1 % canaries, then 10 %, half, everyone */
  waves: Object.freeze([1, 10, 50, 100]),
  /** watch each wave for 5 minutes after it installed */
  soakMs: 5 * 60_000,
  /** give a wave's devices 30 minutes to download, verify, load and self-test */
  waveTimeoutMs: 30 * 60_000,
  /** each wave takes at least one device while any are left (small fleets; see waves.ts) */
  minDevicesPerWave: 1,
})

// the protocol owns the version rule; compiled once, at module load
const semVer = Compile(SemVer)
/** Longest soak or timeout: a week. Longer is more likely a typo than a plan. */
const MAX_WAIT_MS = 7 * 86_400_000

/**
 * Checks a spec and returns the new rollout (state `shadow` with a shadow stage, else `rolling` at wave 0,
 * nothing assigned yet: the first `step` assigns). Throws `HUB_USAGE` naming every problem.
 */
export function createRollout(spec: RolloutSpec, now: number): Rollout {
  const problems: string[] = []
  const check = <T>(f: () => T): T | undefined => collectProblem(problems, f)
  if (spec.id.trim() === '') problems.push('id is empty')
  if (!isModelName(spec.model.name)) problems.push(`model name ${JSON.stringify(spec.model.name)}: lower-case letters, digits and '-'`)
  if (!semVer.Check(spec.model.version)) problems.push(`model version ${JSON.stringify(spec.model.version)}: write MAJOR.MINOR.PATCH, e.g. 1.4.0`)
  const waves = check(() => validateWaves(spec.waves ?? ROLLOUT_DEFAULTS.waves))
  const gates = check(() => validateGates({ ...DEFAULT_GATES, ...spec.gates }))
  const soakMs = wait('soakMs', spec.soakMs ?? ROLLOUT_DEFAULTS.soakMs, problems)
  const waveTimeoutMs = wait('waveTimeoutMs', spec.waveTimeoutMs ?? ROLLOUT_DEFAULTS.waveTimeoutMs, problems)
  if (waveTimeoutMs === 0) problems.push('waveTimeoutMs is 0: give devices time to install, e.g. 30m')
  const minDevicesPerWave = spec.minDevicesPerWave ?? ROLLOUT_DEFAULTS.minDevicesPerWave
  if (!Number.isInteger(minDevicesPerWave) || minDevicesPerWave < 0) problems.push(`minDevicesPerWave is ${minDevicesPerWave}: write a whole number, 0 to allow empty waves`)
  const shadow = spec.shadow ? { soakMs: wait('shadow soak', spec.shadow.soakMs, problems), percent: spec.shadow.percent ?? waves?.[0] ?? 100 } : null
  if (shadow && !(shadow.percent > 0 && shadow.percent <= 100)) problems.push(`shadow percent is ${shadow.percent}: write a percentage above 0 and at most 100`)
  if (!shadow && spec.gates?.minShadowAgreement !== undefined && spec.gates.minShadowAgreement !== null) problems.push('a shadow agreement gate needs a shadow stage: add --shadow <soak>, e.g. --shadow 30m, or drop --min-shadow-agreement')
  if (problems.length > 0 || !waves || !gates) throw problemList(`rollout ${spec.model.name}@${spec.model.version} to ${formatTarget(spec.target)}`, problems)
  const state = shadow ? 'shadow' : 'rolling'
  return {
    id: spec.id,
    model: { name: spec.model.name, version: spec.model.version },
    previousVersion: spec.previousVersion ?? null,
    target: spec.target,
    waves,
    soakMs,
    waveTimeoutMs,
    minDevicesPerWave,
    gates,
    shadow,
    state,
    wave: 0,
    waveStartedAt: now,
    soakStartedAt: null,
    paused: null,
    reason: null,
    assignments: {},
    createdAt: now,
    history: [
      {
        at: now,
        event: 'created',
        message: `rollout of ${spec.model.name}@${spec.model.version} to ${formatTarget(spec.target)} in waves ${waves.join(',')} %${shadow ? `, after a shadow stage on ${shadow.percent} %` : ''}`,
      },
    ],
  }
}

function wait(what: string, ms: number, problems: string[]): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_WAIT_MS) problems.push(`${what} is ${ms} ms: write 0 to 7 days, e.g. 5m`)
  return ms
}

/** `name@version` → `{ name, version }`; throws `HUB_USAGE`. */
export function parseModelRef(text: string): { name: string; version: string } {
  const at = text.lastIndexOf('@')
  const name = at < 0 ? text : text.slice(0, at)
  const version = at < 0 ? '' : text.slice(at + 1)
  if (!isModelName(name) || !semVer.Check(version)) throw usageError(`--model ${JSON.stringify(text)}`, ['write name@version, e.g. anomaly-detector@1.4.0'])
  return { name, version }
}

/** The CLI flags of `edgefleet rollout create`, as commander hands them over (camelCase; gate flags too). */
export interface RolloutFlags {
  model: string
  target: string
  waves?: string
  soak?: string
  waveTimeout?: string
  minPerWave?: string
  /** soak of a shadow stage before the first wave; no shadow stage without it */
  shadow?: string
  /** share of the target running the shadow (default: the first wave's) */
  shadowPercent?: string
  [gateFlag: string]: unknown
}

/** Reads the flags of `edgefleet rollout create` into a spec; throws `HUB_USAGE` naming every bad flag. */
export function parseRolloutFlags(id: string, flags: RolloutFlags): RolloutSpec {
  const problems: string[] = []
  const take = <T>(f: () => T): T | undefined => collectProblem(problems, f)
  const ms = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined
    const v = parseDuration(text)
    if (typeof v === 'string') problems.push(`--${flag}: ${v}`)
    return typeof v === 'number' ? v : undefined
  }
  const model = take(() => parseModelRef(flags.model))
  const target = take(() => parseTarget(flags.target))
  const waves = flags.waves === undefined ? undefined : take(() => parseWaves(flags.waves!))
  const gates = take(() => parseGateFlags(flags))
  const soakMs = ms('soak', flags.soak)
  const waveTimeoutMs = ms('wave-timeout', flags.waveTimeout)
  const shadowSoakMs = ms('shadow', flags.shadow)
  let minDevicesPerWave: number | undefined
  if (flags.minPerWave !== undefined) {
    if (/^\d{1,6}$/.test(flags.minPerWave.trim())) minDevicesPerWave = Number(flags.minPerWave)
    else problems.push(`--min-per-wave ${JSON.stringify(flags.minPerWave)}: write a whole number, e.g. 1`)
  }
  let shadowPercent: number | undefined
  if (flags.shadowPercent !== undefined) {
    const f = parseFraction(flags.shadowPercent)
    if (typeof f === 'string') problems.push(`--shadow-percent: ${f}`)
    else shadowPercent = Number((f * 100).toFixed(2))
    if (flags.shadow === undefined) problems.push('--shadow-percent needs --shadow <soak>, e.g. --shadow 30m')
  }
  if (problems.length > 0 || !model || !target || !gates) throw problemList('edgefleet rollout create', problems)
  return {
    id,
    model,
    target,
    gates,
    ...(waves ? { waves } : {}),
    ...(soakMs !== undefined ? { soakMs } : {}),
    ...(waveTimeoutMs !== undefined ? { waveTimeoutMs } : {}),
    ...(minDevicesPerWave !== undefined ? { minDevicesPerWave } : {}),
    ...(shadowSoakMs !== undefined ? { shadow: { soakMs: shadowSoakMs, ...(shadowPercent !== undefined ? { percent: shadowPercent } : {}) } } : {}),
  }
}
