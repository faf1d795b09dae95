import { describe, expect, it } from 'vitest'
import { parseDuration } from './duration.ts'

describe('parseDuration', () => {
  it('reads 0 and numbers with a unit as milliseconds', () => {
    expect(['0', '500ms', '30s', '2m', '1.5h', '1d'].map((t) => parseDuration(t))).toEqual([0, 500, 30_000, 120_000, 5_400_000, 86_400_000])
  })
  it('refuses a number without a unit, naming the flag and the units', () => {
    expect(() => parseDuration('30', '--label-delay')).toThrow(/--label-delay "30" is not a duration.*500ms, 30s, 2m/)
    expect(() => parseDuration('-1s')).toThrow(/not a duration/)
  })
})
