import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../data/data-dir.ts'
import { SHIPPED_MODELS, shippedPackageDir } from './shipped.ts'

describe('shippedPackageDir', () => {
  it('puts every shipped model under models/packages', () => {
    for (const name of SHIPPED_MODELS) expect(shippedPackageDir(name)).toBe(join(REPO_ROOT, 'models', 'packages', name))
  })

  it('refuses names that are not shipped', () => {
    expect(() => shippedPackageDir('../etc')).toThrow(/not a shipped model/)
  })
})
