import { seededRng, shuffleInPlace, type Rng } from '../build/seeded-shuffle.ts'
import { RetrainError } from '../errors.ts'
import type { EvaluationRow, LabelledRow, MixSplit, ReferenceRow } from './retrain-types.ts'

/** Settings of the mix policy (docs/RETRAINING.md). */
export interface MixPolicy {
  /** share of the usable labelled rows held out, newest by `ts` */
  holdoutFraction: number
  /** at most this many reference rows per labelled training row */
  referenceRatio: number
  /** seeds the reference subsample */
  seed: number
}

/** Defaults of {@link MixPolicy}, but the seed. */
export const DEFAULT_MIX = { holdoutFraction: 0.2, referenceRatio: 1 } as const

/** What the rows must look like: the parent's feature count and class labels. */
export interface RowShape {
  featureCount: number
  labels: readonly string[]
}

/**
 * The mix policy, as a pure function of the rows:
 * 1. every row must have `featureCount` features and a label among the parent's (else
 *    `RETRAIN_ROW_INVALID` / `RETRAIN_LABEL_UNKNOWN`), labelled rows a finite `ts`;
 * 2. rows with a missing feature (null, NaN, ±Infinity) are dropped and counted, never imputed: the
 *    agent refuses such readings (`AGENT_FEATURE_MISSING`), so the model never meets an imputed row;
 * 3. the usable labelled rows are ordered by `ts` (equal times keep input order: the later row is the newer) and
 *    the newest `round(n × holdoutFraction)` of them (at least 1) are held out, the rest trained on;
 * 4. the reference rows are subsampled, seeded and stratified by class (largest remainder), to at most
 *    `floor(referenceRatio × training rows)`.
 */
export function planMix(labelled: readonly LabelledRow[], reference: readonly ReferenceRow[], shape: RowShape, policy: MixPolicy): MixSplit {
  checkPolicy(policy)
  if (labelled.length === 0) {
    throw new RetrainError('RETRAIN_DATASET_EMPTY', 'the dataset has no labelled rows: label some of the samples devices sent, take a new snapshot, then retrain')
  }
  checkRows(labelled, shape, 'labelled')
  checkRows(reference, shape, 'reference')
  for (const [i, row] of labelled.entries()) {
    if (!Number.isFinite(row.ts)) throw new RetrainError('RETRAIN_ROW_INVALID', `labelled row ${i} has no finite ts (${String(row.ts)}): every sample needs the time it was taken`)
  }

  const dropped: number[] = []
  const usable: number[] = []
  for (let i = 0; i < labelled.length; i++) (isComplete(labelled[i]!) ? usable : dropped).push(i)
  if (usable.length === 0) {
    throw new RetrainError('RETRAIN_DATASET_EMPTY', `all ${labelled.length} labelled rows miss a feature, and rows with a missing feature are not trained on: fix the devices' sensors or feature mapping`)
  }
  if (usable.length < 2) {
    throw new RetrainError('RETRAIN_DATASET_TOO_SMALL', `only ${usable.length} usable labelled row: retraining needs at least one row to train on and one to hold out; label more samples`)
  }
  // stable sort: equal timestamps keep input order, so the later row counts as newer
  usable.sort((a, b) => labelled[a]!.ts - labelled[b]!.ts)
  const holdoutCount = Math.min(usable.length - 1, Math.max(1, Math.round(usable.length * policy.holdoutFraction)))
  const training = usable.slice(0, usable.length - holdoutCount)
  const holdout = usable.slice(usable.length - holdoutCount)

  const completeReference: number[] = []
  for (let i = 0; i < reference.length; i++) if (isComplete(reference[i]!)) completeReference.push(i)
  const want = Math.min(completeReference.length, Math.floor(policy.referenceRatio * training.length))
  const chosen = stratifiedSample(completeReference, (i) => reference[i]!.label, want, seededRng(policy.seed))
  return { training, holdout, dropped, reference: chosen, referenceDropped: reference.length - completeReference.length }
}

/** True when every feature of the row is a finite number. */
export function isComplete(row: EvaluationRow): boolean {
  return row.features.every((v) => typeof v === 'number' && Number.isFinite(v))
}

function checkPolicy(p: MixPolicy): void {
  if (!(p.holdoutFraction > 0 && p.holdoutFraction < 1)) {
    throw new RetrainError('RETRAIN_OPTIONS_INVALID', `holdoutFraction must be between 0 and 1 (exclusive), got ${p.holdoutFraction}`)
  }
  if (!(p.referenceRatio >= 0 && Number.isFinite(p.referenceRatio))) {
    throw new RetrainError('RETRAIN_OPTIONS_INVALID', `referenceRatio must be a finite number >= 0, got ${p.referenceRatio}`)
  }
  if (!Number.isInteger(p.seed)) throw new RetrainError('RETRAIN_OPTIONS_INVALID', `seed must be an integer, got ${p.seed}`)
}

/** Refuses rows of the wrong width, and names every unknown label with its count. */
function checkRows(rows: readonly EvaluationRow[], shape: RowShape, what: string): void {
  const known = new Set(shape.labels)
  const unknown = new Map<string, number>()
  for (const [i, row] of rows.entries()) {
    if (!Array.isArray(row.features) || row.features.length !== shape.featureCount) {
      throw new RetrainError('RETRAIN_ROW_INVALID', `${what} row ${i} has ${Array.isArray(row.features) ? row.features.length : 'no'} features, the model takes ${shape.featureCount} (in the manifest's feature order)`)
    }
    if (!known.has(row.label)) unknown.set(String(row.label), (unknown.get(String(row.label)) ?? 0) + 1)
  }
  if (unknown.size > 0) {
    const list = [...unknown].slice(0, 5).map(([label, n]) => `${JSON.stringify(label)} (${n} rows)`).join(', ')
    throw new RetrainError(
      'RETRAIN_LABEL_UNKNOWN',
      `${what} rows carry labels the model does not have: ${list}${unknown.size > 5 ? ', …' : ''}. It knows ${shape.labels.join(', ')}; ` +
        'correct the labels, or train a model with the new classes outside the built-in trainer and push it',
    )
  }
}

/**
 * `want` of `items`, stratified by `classOf`: each class gets `floor(want × share)` and the remaining
 * places go to the largest fractional parts (ties: the class seen first); within a class the rows
 * are a seeded random choice. Returned ascending.
 */
export function stratifiedSample(items: readonly number[], classOf: (item: number) => string, want: number, rng: Rng): number[] {
  if (want >= items.length) return [...items]
  const byClass = new Map<string, number[]>()
  for (const item of items) {
    const members = byClass.get(classOf(item)) ?? []
    members.push(item)
    byClass.set(classOf(item), members)
  }
  const groups = [...byClass.values()]
  const exact = groups.map((g) => (want * g.length) / items.length)
  const quota = exact.map(Math.floor)
  let left = want - quota.reduce((a, b) => a + b, 0)
  const byRemainder = groups.map((_, i) => i).sort((a, b) => exact[b]! - quota[b]! - (exact[a]! - quota[a]!) || a - b)
  for (const i of byRemainder) {
    if (left === 0) break
    quota[i]!++
    left--
  }
  const chosen: number[] = []
  groups.forEach((g, i) => chosen.push(...shuffleInPlace([...g], rng).slice(0, quota[i])))
  return chosen.sort((a, b) => a - b)
}
