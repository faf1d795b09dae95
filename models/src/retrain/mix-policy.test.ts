import { describe, expect, it } from 'vitest'
import { seededRng } from '../build/seeded-shuffle.ts'
import { planMix, stratifiedSample, type MixPolicy } from './mix-policy.ts'
import { RetrainError } from '../errors.ts'
import type { LabelledRow, ReferenceRow } from './retrain-types.ts'

const shape = { featureCount: 2, labels: ['a', 'b', 'c'] }
const policy: MixPolicy = { holdoutFraction: 0.2, referenceRatio: 1, seed: 42 }

/** `n` labelled rows whose ts run backwards from the input order, so the input order is not the time order. */
function labelledRows(n: number): LabelledRow[] {
  return Array.from({ length: n }, (_, i) => ({ features: [i, -i], label: shape.labels[i % 3]!, ts: 1000 * (n - i) }))
}

function referenceRows(n: number, label = (i: number): string => shape.labels[i % 3]!): ReferenceRow[] {
  return Array.from({ length: n }, (_, i) => ({ features: [i, i], label: label(i) }))
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(RetrainError)
    return (err as RetrainError).code
  }
  return undefined
}

describe('planMix', () => {
  it('holds out the newest rows by ts, never the ones it trains on', () => {
    const rows = labelledRows(50)
    const split = planMix(rows, [], shape, policy)
    expect(split.holdout).toHaveLength(10)
    expect(split.training).toHaveLength(40)
    expect(new Set([...split.training, ...split.holdout]).size).toBe(50)
    const newestTrained = Math.max(...split.training.map((i) => rows[i]!.ts))
    const oldestHeldOut = Math.min(...split.holdout.map((i) => rows[i]!.ts))
    expect(newestTrained).toBeLessThan(oldestHeldOut)
    // ts runs backwards, so the newest are the first rows of the input
    expect([...split.holdout].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('treats equal timestamps in input order: the later row is the newer', () => {
    const rows = labelledRows(10).map((r) => ({ ...r, ts: 5 }))
    expect(planMix(rows, [], shape, policy).holdout).toEqual([8, 9])
  })

  it('drops rows with a missing feature before the split and counts them', () => {
    const rows = labelledRows(12)
    rows[3] = { ...rows[3]!, features: [null, 1] }
    rows[7] = { ...rows[7]!, features: [Number.NaN, 1] }
    const split = planMix(rows, [], shape, policy)
    expect(split.dropped).toEqual([3, 7])
    expect(split.training.length + split.holdout.length).toBe(10)
    expect(split.holdout).toHaveLength(2)
    expect([...split.training, ...split.holdout]).not.toContain(3)
  })

  it('subsamples the reference to at most referenceRatio × training rows, stratified and seeded', () => {
    const rows = labelledRows(50)
    // 300 reference rows, 2/3 of them class a
    const reference = referenceRows(300, (i) => (i % 3 === 2 ? 'b' : 'a'))
    const split = planMix(rows, reference, shape, policy)
    expect(split.reference).toHaveLength(40)
    const labels = split.reference.map((i) => reference[i]!.label)
    expect(labels.filter((l) => l === 'a')).toHaveLength(27)
    expect(labels.filter((l) => l === 'b')).toHaveLength(13)
    expect(planMix(rows, reference, shape, policy).reference).toEqual(split.reference)
    expect(planMix(rows, reference, shape, { ...policy, seed: 7 }).reference).not.toEqual(split.reference)
    expect(planMix(rows, reference, shape, { ...policy, referenceRatio: 0.5 }).reference).toHaveLength(20)
    expect(planMix(rows, reference, shape, { ...policy, referenceRatio: 0 }).reference).toHaveLength(0)
    expect(planMix(rows, reference.slice(0, 30), shape, policy).reference).toHaveLength(30)
  })

  it('skips reference rows with a missing feature', () => {
    const reference = referenceRows(10)
    reference[4] = { ...reference[4]!, features: [1, null] }
    const split = planMix(labelledRows(100), reference, shape, policy)
    expect(split.reference).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9])
    expect(split.referenceDropped).toBe(1)
  })

  it('refuses labels the parent does not have, naming them', () => {
    const rows = labelledRows(10)
    rows[2] = { ...rows[2]!, label: 'Methane' }
    expect(codeOf(() => planMix(rows, [], shape, policy))).toBe('RETRAIN_LABEL_UNKNOWN')
    expect(() => planMix(rows, [], shape, policy)).toThrow(/"Methane" \(1 rows\)/)
    expect(codeOf(() => planMix(labelledRows(10), referenceRows(3, () => 'z'), shape, policy))).toBe('RETRAIN_LABEL_UNKNOWN')
  })

  it('refuses an empty dataset, one with nothing usable, and one too small to split', () => {
    expect(codeOf(() => planMix([], referenceRows(10), shape, policy))).toBe('RETRAIN_DATASET_EMPTY')
    const missing = labelledRows(3).map((r) => ({ ...r, features: [null, null] }))
    expect(codeOf(() => planMix(missing, [], shape, policy))).toBe('RETRAIN_DATASET_EMPTY')
    expect(codeOf(() => planMix(labelledRows(1), [], shape, policy))).toBe('RETRAIN_DATASET_TOO_SMALL')
    expect(planMix(labelledRows(2), [], shape, policy)).toMatchObject({ training: [1], holdout: [0] })
  })

  it('refuses malformed rows and options', () => {
    expect(codeOf(() => planMix([{ features: [1], label: 'a', ts: 1 }], [], shape, policy))).toBe('RETRAIN_ROW_INVALID')
    expect(codeOf(() => planMix([{ features: [1, 2], label: 'a', ts: Number.NaN }], [], shape, policy))).toBe('RETRAIN_ROW_INVALID')
    expect(codeOf(() => planMix(labelledRows(5), [], shape, { ...policy, holdoutFraction: 1 }))).toBe('RETRAIN_OPTIONS_INVALID')
    expect(codeOf(() => planMix(labelledRows(5), [], shape, { ...policy, referenceRatio: -1 }))).toBe('RETRAIN_OPTIONS_INVALID')
  })
})

describe('stratifiedSample', () => {
  it('gives each class its share, largest remainders first, and exactly the number asked for', () => {
    const items = Array.from({ length: 10 }, (_, i) => i)
    const classOf = (i: number): string => (i < 5 ? 'x' : i < 8 ? 'y' : 'z')
    const chosen = stratifiedSample(items, classOf, 4, seededRng(1))
    expect(chosen).toHaveLength(4)
    // exact shares 2, 1.2, 0.8: x gets 2, y 1, z (largest remainder) 1
    expect(chosen.map(classOf).sort()).toEqual(['x', 'x', 'y', 'z'])
  })
})
