import { describe, expect, it } from 'vitest'
import { accuracy, argmaxRows, macroF1 } from './classification-metrics.ts'

describe('classification metrics', () => {
  it('takes the arg-max of each row', () => {
    expect(Array.from(argmaxRows([0.1, 0.9, 0.6, 0.4, 0.2, 0.8], 2))).toEqual([1, 0, 1])
  })

  it('computes accuracy and macro-F1 over the classes that occur', () => {
    const truth = [0, 0, 1, 1, 1, 1]
    const predicted = [0, 1, 1, 1, 1, 0]
    expect(accuracy(truth, predicted)).toBeCloseTo(4 / 6, 12)
    // class 0: tp 1, fp 1, fn 1 → 0.5; class 1: tp 3, fp 1, fn 1 → 0.75; class 2 never occurs
    expect(macroF1(truth, predicted, 3)).toBeCloseTo(0.625, 12)
  })
})
