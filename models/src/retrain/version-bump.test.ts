import { describe, expect, it } from 'vitest'
import { RetrainError } from '../errors.ts'
import { candidateVersion, compareVersions, nextMinorVersion } from './version-bump.ts'

describe('candidate versions', () => {
  it('bumps the minor version by default', () => {
    expect(nextMinorVersion('1.0.0')).toBe('1.1.0')
    expect(nextMinorVersion('1.4.2')).toBe('1.5.0')
    expect(nextMinorVersion('2.0.0-rc.1')).toBe('2.1.0')
    expect(candidateVersion('1.0.0')).toBe('1.1.0')
  })

  it('accepts a requested version only above the parent', () => {
    expect(candidateVersion('1.0.0', '2.0.0')).toBe('2.0.0')
    expect(candidateVersion('1.1.0-rc.1', '1.1.0')).toBe('1.1.0')
    for (const bad of ['1.0.0', '0.9.0', '1.0.0-rc.1', 'v2']) {
      expect(() => candidateVersion('1.0.0', bad)).toThrow(RetrainError)
    }
  })

  it('orders versions by semver precedence', () => {
    const sorted = ['1.0.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta', '1.0.0-alpha.beta', '1.0.0-beta.11', '1.0.0-beta.2', '1.0.0-rc.1', '0.9.9', '1.10.0', '1.2.0']
      .sort(compareVersions)
    expect(sorted).toEqual(['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0'])
  })
})
