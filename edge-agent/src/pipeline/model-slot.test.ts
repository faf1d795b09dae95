import { shippedPackageDir } from '@edgefleet/models'
import { afterEach, describe, expect, it } from 'vitest'
import { loadPackage } from '../model/load-model.ts'
import { TabularModel } from '../model/tabular.ts'
import { ModelHealth } from './model-health.ts'
import { ModelSlot, type ServedModel } from './model-slot.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

/** A served gas-sensor model that records when it was retired. */
async function served(version: string, retired: string[], rename?: string): Promise<ServedModel> {
  const loaded = await loadPackage(shippedPackageDir('gas-sensor'))
  const manifest = structuredClone(loaded.manifest)
  manifest.version = version
  if (rename) manifest.inputs[0]!.features![0]!.name = rename
  let closed = false
  const close = async (): Promise<void> => {
    if (!closed) await loaded.backend.close()
    closed = true
  }
  cleanup.push(close)
  return {
    model: new TabularModel(manifest, loaded.backend),
    ref: { name: manifest.name, version, sha256: manifest.model.sha256 },
    health: new ModelHealth(),
    retire: async () => {
      retired.push(version)
      await close()
    },
  }
}

describe('ModelSlot', () => {
  it('serves the new model from the next batch, and retires the old one only after its batch in flight', async () => {
    const retired: string[] = []
    const slot = new ModelSlot(await served('1.0.0', retired))
    const inFlight = slot.acquire()
    const swapped = slot.swap(await served('2.0.0', retired))
    expect(slot.current.ref.version).toBe('2.0.0')
    await new Promise((r) => setTimeout(r, 20))
    expect(retired).toEqual([])
    // the batch in flight still runs on its own, open session
    await inFlight.model.run(inFlight.model.allocate(1), 1)
    slot.release(inFlight)
    expect((await swapped).ref.version).toBe('1.0.0')
    expect(retired).toEqual(['1.0.0'])
    await slot.close()
    expect(retired).toEqual(['1.0.0', '2.0.0'])
    await expect(slot.swap(await served('3.0.0', retired))).rejects.toMatchObject({ code: 'AGENT_SWAP_FAILED', message: expect.stringMatching(/stopping/) })
  })

  it('refuses a model that reads other features than the sources feed, and keeps serving', async () => {
    const retired: string[] = []
    const slot = new ModelSlot(await served('1.0.0', retired))
    await expect(slot.swap(await served('2.0.0', retired, 'other'))).rejects.toMatchObject({ code: 'AGENT_SWAP_FAILED', step: 'swap', message: expect.stringMatching(/1 new, 1 gone.*restart the agent/) })
    expect(slot.current.ref.version).toBe('1.0.0')
    expect(retired).toEqual([])
  })
})
