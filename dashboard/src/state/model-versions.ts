import type { ModelVersionList, ModelVersionSummary } from '@edgefleet/protocol'
import type { LiveMessage } from '../live/live-events.ts'

/**
 * Semantic-version order (`MAJOR.MINOR.PATCH[-pre]`, as the protocol allows): numbers compared as numbers,
 * a pre-release before its release.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitPre(a)
  const [coreB = '', preB] = splitPre(b)
  const na = coreA.split('.').map(Number)
  const nb = coreB.split('.').map(Number)
  for (let i = 0; i < 3; i++) {
    const d = (na[i] ?? 0) - (nb[i] ?? 0)
    if (d !== 0) return d
  }
  if (preA === preB) return 0
  if (preA === undefined) return 1
  if (preB === undefined) return -1
  return preA.localeCompare(preB, undefined, { numeric: true })
}

function splitPre(v: string): [string, string | undefined] {
  const dash = v.indexOf('-')
  return dash < 0 ? [v, undefined] : [v.slice(0, dash), v.slice(dash + 1)]
}

export interface ModelGroup {
  name: string
  /** newest first */
  versions: ModelVersionSummary[]
}

/** Versions per model (models by name), newest version first. */
export function groupByModel(versions: readonly ModelVersionSummary[]): ModelGroup[] {
  const groups = new Map<string, ModelVersionSummary[]>()
  for (const v of versions) {
    const list = groups.get(v.name) ?? []
    list.push(v)
    groups.set(v.name, list)
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => ({ name, versions: list.sort((a, b) => compareVersions(b.version, a.version)) }))
}

/** `name@version` of every version, models by name and newest version first: the rollout form's choices. */
export function versionChoices(versions: readonly ModelVersionSummary[]): string[] {
  return groupByModel(versions).flatMap((g) => g.versions.map((v) => `${v.name}@${v.version}`))
}

/** The list with `summary` added (or replaced, when that version is already in it). */
export function upsertVersion(list: ModelVersionList, summary: ModelVersionSummary): ModelVersionList {
  const rest = list.versions.filter((v) => !(v.name === summary.name && v.version === summary.version))
  return { versions: [...rest, summary] }
}

/** Applies every `model` event (a newly registered version). */
export function applyModelEvents(list: ModelVersionList, messages: readonly LiveMessage[]): ModelVersionList {
  let out = list
  for (const m of messages) if (m.type === 'model') out = upsertVersion(out, m.body.version)
  return out
}

/** A version view reduced to its summary (what the list holds). */
export function summaryOf(view: ModelVersionSummary): ModelVersionSummary {
  const { name, version, sha256, size, parentVersion, createdAt, signature, artifacts } = view
  return { name, version, sha256, size, parentVersion, createdAt, signature, artifacts }
}

export interface HeadlineMetrics {
  accuracy: number | null
  macroF1: number | null
}

/**
 * Accuracy and macro-F1 from a manifest's `training.metrics`: the holdout figure when there is one
 * (`holdoutAccuracy`), else any metric named like it; then the first evaluation's.
 */
export function headlineMetrics(training: { metrics: Record<string, number>; evaluations: readonly { accuracy?: number; macroF1?: number }[] }): HeadlineMetrics {
  const pick = (preferred: string, pattern: RegExp): number | null => {
    const m = training.metrics
    if (typeof m[preferred] === 'number') return m[preferred]
    const key = Object.keys(m).find((k) => pattern.test(k) && !/^train/i.test(k))
    return key === undefined ? null : (m[key] ?? null)
  }
  const first = training.evaluations[0]
  return {
    accuracy: pick('holdoutAccuracy', /accuracy/i) ?? first?.accuracy ?? null,
    macroF1: pick('holdoutMacroF1', /macro.?f1/i) ?? first?.macroF1 ?? null,
  }
}
