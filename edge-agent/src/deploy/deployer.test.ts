import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { desired, gasSensorVersion, TestSigner } from './test-hub.ts'
import { testDevice } from './test-device.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const signer = new TestSigner()
const v2 = gasSensorVersion('2.0.0', signer)
const v3 = gasSensorVersion('3.0.0', signer)

describe('Deployer', () => {
  it('ignores a generation it has handled, across restarts (the retained copy re-delivered on connect)', async () => {
    const d = await testDevice(cleanup, { signer })
    const want = desired(d.server.publish(v2))
    await d.apply(want)
    const n = d.events.length
    await d.apply(want)
    await d.apply({ ...want, generation: want.generation - 1 })
    expect(d.events).toHaveLength(n)
    await d.deployer.close()
    const again = await testDevice(cleanup, { signer, stateDir: d.stateDir, server: d.server })
    await again.apply(want)
    expect(again.events).toEqual([])
    expect(again.store.pointer.generation).toBe(want.generation)
  })

  it('does not keep a package that failed its self-test: the next generation downloads the version afresh', async () => {
    // found by fuzzing: the signature covers the ONNX digest, not the manifest's self-test vectors, so a manifest
    // damaged on the way passed verify-signature, was installed, failed its self-test, and stayed "installed"
    const d = await testDevice(cleanup, { signer })
    const damaged = gasSensorVersion('2.0.0', signer, (m) => {
      const expected = Object.values(m.selfTest.vectors[0]!.expected)[0] as { values: number[] }
      expected.values = expected.values.map((v) => 1 - v)
    })
    const first = desired(d.server.publish(damaged))
    await d.apply(first)
    expect(d.steps(first.generation).at(-1)).toBe('self-test failed MODEL_SELF_TEST_FAILED')
    const second = desired(d.server.publish(v2))
    await d.apply(second)
    expect(d.steps(second.generation)).toContain('download succeeded')
    expect(d.steps(second.generation).at(-1)).toBe('active succeeded')
    expect(d.served()).toBe('gas-sensor@2.0.0')
  })

  it('lets a newer generation supersede one still downloading, which reports no failure', async () => {
    const d = await testDevice(cleanup, { signer })
    let release!: () => void
    d.server.hold('2.0.0/model.onnx', new Promise<void>((r) => (release = r)))
    const first = desired(d.server.publish(v2))
    d.deployer.handle(first)
    await expect.poll(() => d.server.requests.some((r) => r.path.endsWith('2.0.0/manifest.json'))).toBe(true)
    const second = desired(d.server.publish(v3))
    d.deployer.handle(second)
    await d.deployer.idle()
    release()
    expect(d.steps(first.generation)).toEqual(['received succeeded', 'download started'])
    expect(d.steps(second.generation).at(-1)).toBe('active succeeded')
    expect(d.served()).toBe('gas-sensor@3.0.0')
    expect(d.store.pointer.generation).toBe(second.generation)
  })

  it('resumes an activation a crash interrupted in its download, from the .part file', async () => {
    const d = await testDevice(cleanup, { signer })
    const want = desired(d.server.publish(v2))
    // what a kill -9 during the download leaves: the pending desired state and a partial file
    await d.store.update({ pending: want })
    const incoming = d.store.incomingDir(v2.ref)
    mkdirSync(incoming, { recursive: true })
    writeFileSync(join(incoming, 'model.onnx.part'), v2.onnx.subarray(0, 25_000))
    await d.deployer.close()
    const again = await testDevice(cleanup, { signer, stateDir: d.stateDir, server: d.server })
    expect(again.served()).toBe('gas-sensor@1.0.0')
    again.deployer.resume()
    await again.deployer.idle()
    expect(again.steps().at(-1)).toBe('active succeeded')
    expect(again.events.find((e) => e.step === 'download' && e.state === 'succeeded')?.message).toMatch(/resumed from byte 25000/)
    expect(d.server.requests.at(-1)).toMatchObject({ range: 'bytes=25000-', status: 206 })
    expect(again.served()).toBe('gas-sensor@2.0.0')
    expect(again.store.pointer.pending).toBeUndefined()
  })

  it('leaves an activation stopped by close() pending, to resume on the next start', async () => {
    const d = await testDevice(cleanup, { signer })
    let release!: () => void
    d.server.hold('model.onnx', new Promise<void>((r) => (release = r)))
    const want = desired(d.server.publish(v2))
    d.deployer.handle(want)
    await expect.poll(() => d.server.requests.length).toBe(1)
    await d.deployer.close()
    release()
    expect(d.store.pointer.pending?.generation).toBe(want.generation)
    expect(d.steps().some((s) => s.includes('failed'))).toBe(false)
  })
})
