import { describe, expect, it } from 'vitest'
import { Pacer } from './pacer.ts'

describe('Pacer', () => {
  it('spaces readings at the requested rate (never faster)', async () => {
    const pacer = new Pacer(200)
    const t0 = performance.now()
    for (let i = 0; i < 41; i++) await pacer.wait()
    // 41 readings at 200/s span at least 40 intervals of 5 ms
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195)
  })
  it('refuses a rate that is not positive', () => {
    expect(() => new Pacer(0)).toThrow(/positive/)
  })
})
