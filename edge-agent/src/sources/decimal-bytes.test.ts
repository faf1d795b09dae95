import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { dataPaths, resolveDataDir } from '@edgefleet/models'
import { describe, expect, it } from 'vitest'
import { parseDecimalBytes } from './decimal-bytes.ts'

const parse = (text: string): number | undefined => {
  const bytes = new TextEncoder().encode(text)
  return parseDecimalBytes(bytes, 0, bytes.length)
}

describe('parseDecimalBytes', () => {
  it('equals Number() bit for bit on every value of the real gas-sensor data', () => {
    const dir = dataPaths(resolveDataDir()).gasSensor
    let checked = 0
    let mismatches = 0
    for (const file of ['batch1.csv', 'batch6.csv', 'batch9.csv']) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean)) {
        for (const field of line.split(',').slice(1)) {
          // every value of the data set takes the fast path, and it is exact
          if (!Object.is(parse(field), Number(field))) mismatches++
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(400_000)
    expect(mismatches).toBe(0)
  })
  it('equals Number() on edge cases it accepts, declines what it cannot decide exactly', () => {
    for (const t of ['0', '-0', '+1.5', '1e22', '1E-22', '.5', '5.', '  42  ', '123456789012345', '0.000001', '-0.0e5']) {
      expect(Object.is(parse(t), Number(t)), t).toBe(true)
    }
    for (const t of ['1234567890123456', '1e23', '1e-23', '0x10', '1_000', 'abc', '-', '.', '1e', '1.2.3', 'Infinity']) {
      expect(parse(t), t).toBeUndefined()
    }
    expect(parse('')).toBeNaN()
    expect(parse('   ')).toBeNaN()
  })
  it('equals Number() on random decimals', () => {
    let seed = 7
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let i = 0; i < 20_000; i++) {
      const digits = (next() * 1e15).toFixed(0)
      const point = Math.floor(next() * digits.length)
      const text = `${next() < 0.5 ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}e${Math.floor(next() * 20) - 10}`
      const fast = parse(text)
      if (fast !== undefined) expect(fast).toBe(Number(text))
    }
  })
})
