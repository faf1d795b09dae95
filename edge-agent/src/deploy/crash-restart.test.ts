import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { shippedPackageDir } from '@edgefleet/models'
import { afterEach, describe, expect, it } from 'vitest'
import { ModelStore } from './model-store.ts'
import { desired, gasSensorVersion, startModelServer, TestSigner, writePackageAt } from './test-hub.ts'
import { CREDENTIALS, testDevice } from './test-device.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const signer = new TestSigner()
const v1 = gasSensorVersion('1.0.0', signer)
const v2 = gasSensorVersion('2.0.0', signer)

/** What a kill -9 at each point of activating v2 leaves in the state directory. */
const CRASHES: Record<string, (store: ModelStore) => void> = {
  'after received (desired state recorded as pending)': () => {},
  'during download (a .part file)': (store) => {
    mkdirSync(store.incomingDir(v2.ref), { recursive: true })
    writeFileSync(join(store.incomingDir(v2.ref), 'model.onnx.part'), v2.onnx.subarray(0, 12_345))
  },
  'after download (a finished incoming directory, not yet verified)': (store) => writePackageAt(store.incomingDir(v2.ref), v2),
  'after verify-signature, during load, self-test or swap (installed, pointer not moved)': (store) => writePackageAt(store.versionDir(v2.ref), v2),
  'while writing the pointer (a torn temp file beside the old pointer)': (store) => {
    writePackageAt(store.versionDir(v2.ref), v2)
    writeFileSync(join(store.dir, 'active.json.tmp'), '{"format":1,"current":{"na')
  },
}

async function crashedState(crash: (store: ModelStore) => void, want: ReturnType<typeof desired>): Promise<string> {
  const stateDir = mkdtempSync(join(tmpdir(), 'ef-crash-'))
  cleanup.push(() => rmSync(stateDir, { recursive: true, force: true }))
  const store = await ModelStore.open(join(stateDir, 'models'))
  await store.update({ pending: want })
  crash(store)
  return stateDir
}

describe('restart after a crash during activation', () => {
  for (const [when, crash] of Object.entries(CRASHES)) {
    it(`${when}: serves the old model at once, then completes the activation`, async () => {
      const server = await startModelServer(CREDENTIALS)
      cleanup.push(() => server.close())
      const want = desired(server.publish(v2))
      const stateDir = await crashedState(crash, want)
      const d = await testDevice(cleanup, { signer, stateDir, server })
      expect(d.served()).toBe('gas-sensor@1.0.0')
      d.deployer.resume()
      await d.deployer.idle()
      expect(d.steps().at(-1)).toBe('active succeeded')
      expect(d.served()).toBe('gas-sensor@2.0.0')
      expect(d.store.pointer).toMatchObject({ current: v2.ref, generation: want.generation })
      expect(d.store.pointer.pending).toBeUndefined()
    })
  }

  it('after the pointer moved: serves the new model from the store instead of --model', async () => {
    const stateDir = await crashedState(() => {}, desired(null))
    const store = await ModelStore.open(join(stateDir, 'models'))
    writePackageAt(store.versionDir(v2.ref), v2)
    await store.update({ current: store.entry(v2.ref, store.versionDir(v2.ref)), previous: store.entry(v1.ref, shippedPackageDir('gas-sensor')), pending: undefined, generation: 5 })
    const d = await testDevice(cleanup, { signer, stateDir })
    expect([d.served(), d.startedFrom]).toEqual(['gas-sensor@2.0.0', 'current'])
  })

  it('falls back to the previous version when the current one is damaged, and to --model when both are', async () => {
    const stateDir = await crashedState(() => {}, desired(null))
    const store = await ModelStore.open(join(stateDir, 'models'))
    const v3 = gasSensorVersion('3.0.0', signer)
    const flipped = Buffer.from(v3.onnx)
    flipped[100]! ^= 0xff
    writePackageAt(store.versionDir(v3.ref), v3, flipped)
    writePackageAt(store.versionDir(v2.ref), v2)
    await store.update({ current: store.entry(v3.ref, store.versionDir(v3.ref)), previous: store.entry(v2.ref, store.versionDir(v2.ref)), pending: undefined })
    const d = await testDevice(cleanup, { signer, stateDir })
    expect([d.served(), d.startedFrom]).toEqual(['gas-sensor@2.0.0', 'previous'])
    rmSync(join(store.versionDir(v2.ref), 'model.onnx'))
    const again = await testDevice(cleanup, { signer, stateDir })
    expect([again.served(), again.startedFrom]).toEqual(['gas-sensor@1.0.0', 'model-flag'])
  })
})
