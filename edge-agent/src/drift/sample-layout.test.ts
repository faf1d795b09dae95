import { describe, expect, it } from 'vitest'
import { referenceOrder, softmaxInto } from './sample-layout.ts'

const ref = (names: string[]): { name: string }[] => names.map((name) => ({ name }))

describe('referenceOrder', () => {
  it('is null when the model and the reference agree, else the model index of each reference feature', () => {
    expect(referenceOrder(['a', 'b', 'c'], ref(['a', 'b', 'c']))).toBeNull()
    expect(referenceOrder(['c', 'a', 'b'], ref(['a', 'b', 'c']))).toEqual(Int32Array.from([1, 2, 0]))
    // a reference of some inputs only
    expect(referenceOrder(['a', 'b', 'c'], ref(['a', 'c']))).toEqual(Int32Array.from([0, 2]))
  })
  it('names a reference feature the model does not take', () => {
    expect(() => referenceOrder(['a', 'b'], ref(['a', 'z']))).toThrow(expect.objectContaining({ code: 'MODEL_MANIFEST_INVALID', message: expect.stringContaining('feature z') }))
  })
})

describe('softmaxInto', () => {
  it('turns a row of logits into probabilities, stable for large logits', () => {
    const into = new Float64Array(3)
    softmaxInto([0, 1000, 1000, 0, 0], 1, 3, into)
    expect(Array.from(into)).toEqual([0.5, 0.5, 0])
  })
})
