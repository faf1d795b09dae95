import { describe, expect, it } from 'vitest'
import { MAX_SELF_TEST_ELEMENTS, selfTestInputValues } from './self-test-input.ts'

describe('selfTestInputValues', () => {
  it('materialises values, constants and seeded uniform inputs', () => {
    expect([...selfTestInputValues({ kind: 'values', values: [1, 2, 3] }, 3)]).toEqual([1, 2, 3])
    expect([...selfTestInputValues({ kind: 'constant', value: 0.5 }, 2)]).toEqual([0.5, 0.5])
    const a = selfTestInputValues({ kind: 'uniform', seed: 7, min: -1, max: 1 }, 4)
    expect([...a]).toEqual([...selfTestInputValues({ kind: 'uniform', seed: 7, min: -1, max: 1 }, 4)])
    expect(a.every((x) => x >= -1 && x <= 1)).toBe(true)
  })

  it('refuses absurd shapes before allocating anything', () => {
    // found by fuzzing model uploads: a manifest input of shape [1048576, 1024] (each dimension within the
    // schema's 2^20) made the hub allocate and fill 4 GiB for a constant self-test input, and die
    const huge = 2 ** 20 * 1024
    expect(() => selfTestInputValues({ kind: 'constant', value: 0 }, huge)).toThrow(RangeError)
    expect(() => selfTestInputValues({ kind: 'uniform', seed: 1, min: 0, max: 1 }, huge)).toThrow(/more than a self-test input may have/)
    expect(() => selfTestInputValues({ kind: 'values', values: [1] }, 2 ** 160)).toThrow(RangeError)
    expect(() => selfTestInputValues({ kind: 'constant', value: 0 }, MAX_SELF_TEST_ELEMENTS + 1)).toThrow(RangeError)
    expect(selfTestInputValues({ kind: 'constant', value: 0 }, 0).length).toBe(0)
  })

  it('checks the number of given values before allocating the input', () => {
    expect(() => selfTestInputValues({ kind: 'values', values: [1, 2] }, MAX_SELF_TEST_ELEMENTS)).toThrow(/has 2 values but the model input needs/)
  })
})
