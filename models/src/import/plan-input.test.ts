import { describe, expect, it } from 'vitest'
import { ImportError } from '../errors.ts'
import { parseImportSpec } from './import-spec.ts'
import type { TensorInfo } from './inspect-model.ts'
import { planInput } from './plan-input.ts'

const t = (name: string, shape: (number | string)[], type = 'float32'): TensorInfo => ({ name, type, isTensor: true, shape })
const spec = (extra: Record<string, unknown> = {}) => parseImportSpec({ name: 'm', ...extra })

function refusal(f: () => unknown): ImportError {
  try {
    f()
  } catch (err) {
    if (err instanceof ImportError) return err
    throw err
  }
  throw new Error('expected an ImportError')
}

describe('planInput refuses what the agent cannot feed', () => {
  it('names every input of a streaming model and says why state inputs cannot be served', () => {
    const err = refusal(() => planInput([t('input', ['batch', 'sequence']), t('sr', [], 'int64'), t('h', [2, 'batch', 64]), t('c', [2, 'batch', 64])], spec()))
    expect(err.code).toBe('IMPORT_INPUT_UNSUPPORTED')
    expect(err.message).toMatch(/4 inputs \(input float32 \[batch, sequence\]; sr int64 \[\]; h float32 \[2, batch, 64\]; c float32/)
    expect(err.message).toMatch(/sr, h, c look like recurrent state/)
  })
  it('refuses non-float inputs, ranks other than 2 and 4, and batches fixed above 1', () => {
    expect(refusal(() => planInput([t('ids', ['batch', 8], 'int64')], spec()))).toMatchObject({ code: 'IMPORT_DTYPE_UNSUPPORTED', message: expect.stringMatching(/float32 tensors only/) })
    expect(refusal(() => planInput([t('x', [1, 16, 96])], spec())).message).toMatch(/rank 3: the agent serves tabular inputs \[batch, features\]/)
    expect(refusal(() => planInput([t('x', [4, 10])], spec())).message).toMatch(/takes exactly 4 rows per run/)
    expect(refusal(() => planInput([t('x', ['batch', 10])], spec({ input: { kind: 'image' } }))).code).toBe('IMPORT_INPUT_UNSUPPORTED')
  })
  it('refuses a feature count that does not match the last dimension, and a scaler of the wrong length', () => {
    const err = refusal(() => planInput([t('x', ['batch', 3])], spec({ input: { features: ['a', 'b'] } })))
    expect(err).toMatchObject({ code: 'IMPORT_SPEC_MISMATCH', message: expect.stringMatching(/2 feature names for input x float32 \[batch, 3\], whose last dimension holds 3/) })
    expect(refusal(() => planInput([t('x', ['batch', 2])], spec({ input: { features: ['a', 'b'], standardize: { mean: [0], std: [1] } } }))).message).toMatch(/1 means and 1 deviations for 2 features/)
    expect(refusal(() => planInput([t('x', ['batch', 'samples'])], spec())).message).toMatch(/dynamic last dimension: name the features/)
    expect(refusal(() => planInput([t('x', ['batch', 2])], spec({ input: { features: ['a', 'a'] } }))).message).toMatch(/named twice/)
  })
})

describe('planInput plans tabular inputs', () => {
  it('takes feature names from the spec, else the reference header, else x0…', () => {
    expect(planInput([t('x', ['batch', 2])], spec({ input: { features: ['temp', 'rh'] } })).features).toEqual(['temp', 'rh'])
    const fromHeader = planInput([t('x', ['batch', 2])], spec(), ['a', 'b'])
    expect(fromHeader.features).toEqual(['a', 'b'])
    expect(fromHeader.notes[0]).toMatch(/header/)
    expect(planInput([t('x', ['batch', 3])], spec()).features).toEqual(['x0', 'x1', 'x2'])
  })
  it('fixes a dynamic last dimension to the feature count and keeps the batch dimension dynamic', () => {
    const plan = planInput([t('input', ['batch_size', 'samples'])], spec(), ['s0', 's1', 's2'])
    expect(plan.input).toEqual({ name: 'input', dtype: 'float32', shape: ['batch_size', 3], kind: 'tabular', features: [{ name: 's0' }, { name: 's1' }, { name: 's2' }], preprocessing: { type: 'none' } })
    expect(plan.batchOfOne).toBe(false)
    expect(planInput([t('x', [1, 2])], spec(), ['a', 'b']).batchOfOne).toBe(true)
  })
  it('carries the scaler the model was trained behind', () => {
    const plan = planInput([t('x', ['batch', 2])], spec({ input: { features: ['a', 'b'], standardize: { mean: [1, 2], std: [3, 4] } } }))
    expect(plan.input.preprocessing).toEqual({ type: 'standardize', mean: [1, 2], std: [3, 4] })
  })
})

describe('planInput plans image inputs', () => {
  it('reads NCHW and NHWC layouts and the size from the shape', () => {
    const nchw = planInput([t('input', [1, 3, 240, 320])], spec({ input: { image: { mean: [127, 127, 127], std: [128, 128, 128], scale: 1 } } }))
    expect(nchw.input.preprocessing).toEqual({ type: 'image', width: 320, height: 240, resize: 'stretch', channels: 'rgb', layout: 'nchw', scale: 1, mean: [127, 127, 127], std: [128, 128, 128] })
    expect(nchw.batchOfOne).toBe(true)
    const nhwc = planInput([t('pixels', ['n', 224, 224, 3])], spec())
    expect(nhwc.input.preprocessing).toMatchObject({ layout: 'nhwc', width: 224, height: 224, scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] })
    expect(planInput([t('g', ['n', 1, 28, 28])], spec()).input.preprocessing).toMatchObject({ channels: 'gray', mean: [0], std: [1] })
  })
  it('needs a size for dynamic height and width, and refuses a size that contradicts the shape', () => {
    expect(refusal(() => planInput([t('x', ['n', 3, 'h', 'w'])], spec())).message).toMatch(/dynamic width \(w\): set input.image.width/)
    const sized = planInput([t('x', ['n', 3, 'h', 'w'])], spec({ input: { image: { width: 64, height: 48 } } }))
    expect(sized.input.shape).toEqual(['n', 3, 48, 64])
    expect(refusal(() => planInput([t('x', [1, 3, 240, 320])], spec({ input: { image: { width: 100 } } }))).message).toMatch(/width is 100, but input x .* is 320 pixels wide/)
    expect(refusal(() => planInput([t('x', [1, 3, 8, 8])], spec({ input: { image: { channels: 'gray' } } }))).code).toBe('IMPORT_SPEC_MISMATCH')
    expect(refusal(() => planInput([t('x', [1, 8, 8, 8])], spec())).message).toMatch(/cannot tell where its channels are/)
  })
})
