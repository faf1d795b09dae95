import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from './duration.ts'
import { formatPercent, parseFraction } from './percent.ts'

describe('parseFraction and formatPercent', () => {
  it('reads percentages and fractions', () => {
    expect(parseFraction('10%')).toBe(0.1)
    expect(parseFraction(' 0.1 ')).toBe(0.1)
    expect(parseFraction('100%')).toBe(1)
    expect(parseFraction('0')).toBe(0)
    expect(parseFraction('150%', 10)).toBe(1.5)
  })

  it('returns what is wrong instead of a number', () => {
    expect(parseFraction('ten')).toMatch(/not a percentage: write e.g. 10% or 0.1/)
    expect(parseFraction('10')).toMatch(/write 10% \(or the fraction 0.1\)/)
    expect(parseFraction('-1%')).toMatch(/not a percentage/)
    expect(parseFraction('101%')).toMatch(/more than 100%/)
  })

  it('formats with at most two decimals', () => {
    expect(formatPercent(0.3)).toBe('30%')
    expect(formatPercent(0.125)).toBe('12.5%')
    expect(formatPercent(0.0012345)).toBe('0.12%')
    expect(formatPercent(0.07)).toBe('7%')
  })
})

describe('parseDuration and formatDuration', () => {
  it('reads durations', () => {
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('90s')).toBe(90_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('2d')).toBe(172_800_000)
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration('0')).toBe(0)
  })

  it('returns what is wrong instead of a number', () => {
    expect(parseDuration('5')).toMatch(/not a duration: write e.g. 90s, 5m/)
    expect(parseDuration('5 minutes')).toMatch(/not a duration/)
    expect(parseDuration('')).toMatch(/not a duration/)
  })

  it('formats back', () => {
    expect(formatDuration(300_000)).toBe('5m')
    expect(formatDuration(5_400_000)).toBe('1h30m')
    expect(formatDuration(1500)).toBe('1.5s')
    expect(formatDuration(250)).toBe('250ms')
    expect(formatDuration(90_061_000)).toBe('1d1h1m1s')
  })
})
