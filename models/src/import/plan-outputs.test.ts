import { describe, expect, it } from 'vitest'
import { ImportError } from '../errors.ts'
import { parseImportSpec } from './import-spec.ts'
import type { TensorInfo } from './inspect-model.ts'
import { planOutputs, type OutputProbe } from './plan-outputs.ts'

const t = (name: string, shape: (number | string)[], type = 'float32'): TensorInfo => ({ name, type, isTensor: true, shape })
const spec = (extra: Record<string, unknown> = {}) => parseImportSpec({ name: 'm', ...extra })
const probes = (entries: Record<string, OutputProbe> = {}) => new Map(Object.entries(entries))

function refusal(f: () => unknown): ImportError {
  try {
    f()
  } catch (err) {
    if (err instanceof ImportError) return err
    throw err
  }
  throw new Error('expected an ImportError')
}

describe('planOutputs infers the task', () => {
  it('detection from a boxes and a scores output, with the UltraFace defaults the spec overrides', () => {
    const plan = planOutputs([t('scores', [1, 4420, 2]), t('boxes', [1, 4420, 4])], spec({ labels: ['background', 'face'], detection: { scoreThreshold: 0.7 } }), 'image', probes())
    expect(plan.task).toBe('detection')
    expect(plan.outputs).toEqual([
      { name: 'scores', dtype: 'float32', shape: [1, 4420, 2], role: 'scores', labels: ['background', 'face'] },
      { name: 'boxes', dtype: 'float32', shape: [1, 4420, 4], role: 'boxes' },
    ])
    expect(plan.postprocessing).toEqual({ type: 'detection', classIndex: 1, scoreThreshold: 0.7, iouThreshold: 0.45, maxDetections: 100, boxFormat: 'corner-normalized' })
    expect(plan.detection).toEqual({ scores: 'scores', boxes: 'boxes' })
  })
  it('classification with probabilities when the rows sum to 1, logits when labels are given for rows that do not', () => {
    const p = planOutputs([t('label', ['batch'], 'int64'), t('probs', ['batch', 3])], spec(), 'tabular', probes({ probs: { width: 3, probabilities: true }, label: { width: 1, probabilities: false } }))
    expect(p).toMatchObject({ task: 'classification', classes: { output: 'probs', count: 3, logits: false }, postprocessing: { type: 'classification', topK: 1 } })
    expect(p.outputs.map((o) => `${o.name}:${o.role}`)).toEqual(['probs:probabilities', 'label:value'])
    const l = planOutputs([t('logits', ['batch', 2])], spec({ labels: ['no', 'yes'], topK: 5 }), 'tabular', probes({ logits: { width: 2, probabilities: false } }))
    expect(l).toMatchObject({ task: 'classification', classes: { logits: true, count: 2 }, postprocessing: { topK: 2 } })
    expect(l.outputs[0]).toMatchObject({ role: 'logits', labels: ['no', 'yes'] })
  })
  it('regression otherwise, saying how to get a logits classifier instead', () => {
    const r = planOutputs([t('output', ['time', 1, 'clip', 32])], spec(), 'tabular', probes({ output: { width: 32, probabilities: false } }))
    expect(r).toMatchObject({ task: 'regression', postprocessing: { type: 'regression' }, outputs: [{ name: 'output', role: 'value', shape: ['time', 1, 'clip', 32] }] })
    expect(r.notes[0]).toMatch(/--task classification for a logits classifier/)
  })
})

describe('planOutputs refuses', () => {
  it('outputs the agent cannot read', () => {
    expect(refusal(() => planOutputs([t('y', ['batch', 2], 'float16')], spec(), 'tabular', probes())).message).toMatch(/y float16 \[batch, 2\]: the agent reads float32, int32, int64 and uint8/)
    expect(refusal(() => planOutputs([{ name: 'output_probability', type: '(not a tensor)', isTensor: false, shape: [] }], spec(), 'tabular', probes())).message).toMatch(/ZipMap/)
  })
  it('labels that do not match the classes, a one-column classifier, an unknown output name, a tabular detector', () => {
    expect(refusal(() => planOutputs([t('p', ['batch', 3])], spec({ labels: ['a', 'b'] }), 'tabular', probes())).message).toMatch(/2 labels for output p float32 \[batch, 3\], which scores 3 classes/)
    expect(refusal(() => planOutputs([t('p', ['batch', 1])], spec({ task: 'classification' }), 'tabular', probes())).code).toBe('IMPORT_OUTPUT_UNSUPPORTED')
    expect(refusal(() => planOutputs([t('p', ['batch', 2])], spec({ outputs: { q: { role: 'value' } } }), 'tabular', probes())).message).toMatch(/describes output "q", but the model's outputs are p/)
    expect(refusal(() => planOutputs([t('scores', ['b', 10, 2]), t('boxes', ['b', 10, 4])], spec(), 'tabular', probes())).message).toMatch(/detector takes an image input/)
    expect(refusal(() => planOutputs([t('scores', [1, 10, 2]), t('boxes', [1, 12, 4])], spec(), 'image', probes())).message).toMatch(/disagree on the number of candidates \(12 vs 10\)/)
  })
})
