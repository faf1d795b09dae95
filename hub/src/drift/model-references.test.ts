import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { shippedPackageDir } from '@edgefleet/models'
import type { Manifest } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { firstOf, PackageDirReferences, RegistryReferences } from './model-references.ts'

describe('reference sources', () => {
  it('take a version pushed to the registry first, then package directories, and miss unknown versions', async () => {
    const registered = { name: 'gas-sensor', version: '2.0.0', reference: { sampleCount: 1, source: 'registry', features: [], outputs: {} }, drift: { windowSamples: 10, windowSeconds: 5 } }
    const registry = { getModelVersion: async (name: string, version: string) => (name === 'gas-sensor' && version === '2.0.0' ? { manifest: registered as unknown as Manifest } : null) }
    const empty = await mkdtemp(join(tmpdir(), 'ef-refs-'))
    try {
      const refs = firstOf([new RegistryReferences(registry), new PackageDirReferences([empty, join(shippedPackageDir('gas-sensor'), '..')])])
      expect((await refs.get('gas-sensor', '2.0.0'))?.reference.source).toBe('registry')
      // the shipped package, found in its directory
      expect((await refs.get('gas-sensor', '1.0.0'))?.reference.features).toHaveLength(128)
      expect(await refs.get('gas-sensor', '9.9.9')).toBeNull()
    } finally {
      await rm(empty, { recursive: true, force: true })
    }
  })
})
