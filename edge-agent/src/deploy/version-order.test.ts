import { describe, expect, it } from 'vitest'
import { compareVersions } from './version-order.ts'

describe('compareVersions', () => {
  it('orders by semver precedence, not as text', () => {
    const sorted = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0', '2.0.0']
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) {
        expect(Math.sign(compareVersions(sorted[i]!, sorted[j]!)), `${sorted[i]} vs ${sorted[j]}`).toBe(Math.sign(i - j))
      }
    }
  })
})
