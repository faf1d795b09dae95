import type { DatasetSummary } from '@edgefleet/protocol'
import { formatFraction } from '../format/format-number.ts'
import { compareVersions } from './model-versions.ts'

/** Counts by key (reason, class), largest first, then by key. */
export function countRows(counts: Readonly<Record<string, number>>): { key: string; count: number }[] {
  return Object.entries(counts)
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
}

export interface VersionAccuracyRow {
  version: string
  labelled: number
  correct: number
  /** `81.4 %`, or `—` with no labelled sample */
  accuracy: string
}

/** Each version's measured accuracy on its labelled samples, newest version first. */
export function accuracyRows(summary: Pick<DatasetSummary, 'accuracyByVersion'>, locale?: string): VersionAccuracyRow[] {
  return [...summary.accuracyByVersion]
    .sort((a, b) => compareVersions(b.version, a.version))
    .map((v) => ({ version: v.version, labelled: v.labelled, correct: v.correct, accuracy: formatFraction(v.accuracy, locale) }))
}
