import { validators } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { SampleIds, toSample } from './sample-item.ts'

const T0 = 1_700_000_000_000

describe('toSample', () => {
  it('carries the raw values in feature order, null where missing, and the prediction without the agent-only actual', () => {
    const record = { id: 'batch3.csv:17', ts: T0, values: new Float64Array([15596.1621, Number.NaN, -2.739388]), actual: 'Ethanol' }
    const prediction = { id: 'batch3.csv:17', ts: T0, latencyMs: 0.02, label: 'Acetone', classIndex: 4, confidence: 0.41, actual: 'Ethanol' }
    const s = toSample(record, prediction, 'low-confidence', 'batch3.csv:17')
    expect(s).toEqual({
      id: 'batch3.csv:17', ts: T0, reason: 'low-confidence', features: [15596.1621, null, -2.739388],
      prediction: { id: 'batch3.csv:17', ts: T0, latencyMs: 0.02, label: 'Acetone', classIndex: 4, confidence: 0.41 },
    })
    expect(validators.samples.check({ v: 1, deviceId: 'pi-01', seq: 1, ts: T0, model: { name: 'gas-sensor', version: '1.0.0' }, items: [s] })).toBe(true)
  })
})

describe('SampleIds', () => {
  it('keeps a source\'s stable id, and names run-local or over-long ids itself, uniquely across restarts', () => {
    const ids = new SampleIds(T0)
    expect(ids.idFor({ id: 'batch3.csv:17' })).toBe('batch3.csv:17')
    const own = [ids.idFor({ id: 'stdin:1', runLocalId: true }), ids.idFor({ id: 'x'.repeat(129) })]
    const restarted = new SampleIds(T0 + 1).idFor({ id: 'stdin:1', runLocalId: true })
    expect(new Set([...own, restarted]).size).toBe(3)
    expect(own[0]).toMatch(/^s[0-9a-z]+-1$/)
  })
})
