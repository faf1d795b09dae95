import { describe, expect, it } from 'vitest'
import { FeatureMapper, parseNumber } from './feature-mapper.ts'

describe('FeatureMapper', () => {
  const mapper = new FeatureMapper(['t', 'h'])
  it('maps by name, ignores extra keys, keeps id, ts and label', () => {
    const m = mapper.map({ h: 40, t: '21.5', extra: 'x', id: 'r1', ts: 5, label: 'ok' }, 'fallback', 99)
    expect('record' in m && m.record).toMatchObject({ id: 'r1', ts: 5, actual: 'ok' })
    expect('record' in m && Array.from(m.record.values)).toEqual([21.5, 40])
  })
  it('marks a made-up id that only counts this run, never a reading\'s own id', () => {
    const counted = mapper.map({ t: 1, h: 2 }, 'stdin:7', 0, true)
    expect('record' in counted && counted.record).toMatchObject({ id: 'stdin:7', runLocalId: true })
    const own = mapper.map({ t: 1, h: 2, id: 'r9' }, 'stdin:8', 0, true)
    expect('record' in own && own.record.runLocalId).toBeUndefined()
    const stable = mapper.map({ t: 1, h: 2 }, 'readings.jsonl:3', 0)
    expect('record' in stable && stable.record.runLocalId).toBeUndefined()
  })
  it('rejects missing and non-numeric features with their names', () => {
    expect(mapper.map({ t: 1 }, 'x', 0)).toEqual({ rejection: { code: 'AGENT_FEATURE_MISSING', message: 'missing 1 feature(s): h' } })
    expect(mapper.map({ t: 1, h: 'wet' }, 'x', 0)).toMatchObject({ rejection: { code: 'AGENT_FEATURE_NOT_NUMERIC' } })
    expect(mapper.map({ t: 1, h: null }, 'x', 0)).toMatchObject({ rejection: { code: 'AGENT_FEATURE_MISSING' } })
  })
  it('parses numbers strictly', () => {
    expect(parseNumber('1e3')).toBe(1000)
    expect(parseNumber(' ')).toBeUndefined()
    expect(parseNumber('12abc')).toBeUndefined()
    expect(parseNumber('')).toBeNaN()
    expect(parseNumber(Infinity)).toBeUndefined()
  })
})
