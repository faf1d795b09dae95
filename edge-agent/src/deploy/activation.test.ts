import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { shippedPackageDir } from '@edgefleet/models'
import { decodeChannel, type DeviceEvent } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { Outbox } from '../uplink/outbox.ts'
import { desired, gasSensorVersion, TestSigner } from './test-hub.ts'
import { testDevice } from './test-device.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const signer = new TestSigner()
const v1 = gasSensorVersion('1.0.0', signer)
const v2 = gasSensorVersion('2.0.0', signer)
const OK_STEPS = [
  'received succeeded',
  'download started', 'download succeeded',
  'verify-digest started', 'verify-digest succeeded',
  'verify-signature started', 'verify-signature succeeded',
  'load started', 'load succeeded',
  'self-test started', 'self-test succeeded',
  'swap started', 'swap succeeded',
  'active succeeded',
]
const failedAt = (step: string, code: string): string[] => {
  const i = OK_STEPS.indexOf(`${step} started`)
  return [...OK_STEPS.slice(0, i + 1), `${step} failed ${code}`]
}

describe('model activation', () => {
  it('activates v2 over v1 reporting every step in order, on the wire too, and keeps v1 for rollback', async () => {
    const outboxDir = mkdtempSync(join(tmpdir(), 'ef-outbox-'))
    cleanup.push(() => rmSync(outboxDir, { recursive: true, force: true }))
    const outbox = await Outbox.open({ dir: outboxDir, deviceId: 'pi-01', firstSeq: 1 })
    cleanup.push(() => outbox.close())
    const d = await testDevice(cleanup, { signer, uplink: outbox })
    const want = desired(d.server.publish(v2), { rolloutId: 'r-1' })
    await d.apply(want)
    expect(d.steps()).toEqual(OK_STEPS)
    expect(d.served()).toBe('gas-sensor@2.0.0')
    expect(d.events.filter((e) => e.state === 'progress').at(-1)?.progress).toBe(1)
    expect(d.events.every((e) => e.generation === want.generation && e.rolloutId === 'r-1' && e.role === 'active' && e.model.version === '2.0.0')).toBe(true)
    const wire: DeviceEvent[] = []
    for (let m = outbox.takeNext(); m; m = outbox.takeNext()) {
      wire.push(decodeChannel('events', m.payload))
      outbox.ack(m)
    }
    expect(wire.map((m) => m.event)).toEqual(d.events)
    expect(d.store.pointer).toMatchObject({
      current: { ...v2.ref, dir: 'gas-sensor@2.0.0-45f2cd3abd7a' },
      previous: { ...v1.ref, dir: shippedPackageDir('gas-sensor') },
      generation: want.generation,
    })
    expect(d.store.pointer.pending).toBeUndefined()
    expect(readdirSync(d.store.dir).sort()).toEqual(['active.json', 'gas-sensor@2.0.0-45f2cd3abd7a', 'incoming'])
    expect(d.server.requests.map((r) => r.path)).toEqual(['/models/gas-sensor/2.0.0/manifest.json', '/models/gas-sensor/2.0.0/model.onnx'])
  })

  it('refuses a file with one flipped byte at verify-digest, and keeps serving v1', async () => {
    const d = await testDevice(cleanup, { signer })
    const onnx = Buffer.from(v2.onnx)
    onnx[onnx.length >> 1]! ^= 0x01
    await d.apply(desired(d.server.publish(v2, { onnx })))
    expect(d.steps()).toEqual(failedAt('verify-digest', 'MODEL_DIGEST_MISMATCH'))
    expect(d.served()).toBe('gas-sensor@1.0.0')
    // the corrupt file is not kept for a resume
    expect(existsSync(join(d.store.incomingDir(v2.ref), 'model.onnx'))).toBe(false)
  })

  it('refuses a version signed by another key, and an expired signature, at verify-signature', async () => {
    const d = await testDevice(cleanup, { signer })
    const forged = gasSensorVersion('2.0.0', new TestSigner())
    const a = desired(d.server.publish(forged))
    await d.apply(a)
    expect(d.steps(a.generation)).toEqual(failedAt('verify-signature', 'AGENT_SIGNATURE_INVALID'))
    const b = desired({ ...d.server.publish(v2), signature: signer.sign(v2.ref, Date.now() - 1000) })
    await d.apply(b)
    expect(d.steps(b.generation)).toEqual(failedAt('verify-signature', 'AGENT_SIGNATURE_EXPIRED'))
    expect(d.events.at(-1)?.message).toMatch(/expired at .*deploy it again from the hub/)
    expect(d.served()).toBe('gas-sensor@1.0.0')
  })

  it('refuses a downgrade without the rollback signature, and rolls back from disk with it, without a download', async () => {
    const d = await testDevice(cleanup, { signer })
    await d.apply(desired(d.server.publish(v2)))
    const back = d.server.publish(v1)
    const plain = desired(back, { rollback: true })
    await d.apply(plain)
    expect(d.steps(plain.generation)).toEqual(failedAt('verify-signature', 'AGENT_DOWNGRADE_REFUSED'))
    expect(d.served()).toBe('gas-sensor@2.0.0')
    const requests = d.server.requests.length
    const signed = desired({ ...back, rollbackSignature: signer.sign(v1.ref, Date.now() + 60_000, true) }, { rollback: true })
    await d.apply(signed)
    expect(d.steps(signed.generation)).toEqual(OK_STEPS)
    expect(d.events.find((e) => e.generation === signed.generation && e.step === 'download' && e.state === 'succeeded')?.message).toMatch(/on disk .*not downloaded/)
    expect(d.server.requests.length).toBe(requests)
    expect(d.served()).toBe('gas-sensor@1.0.0')
    expect(d.store.pointer).toMatchObject({ current: v1.ref, previous: v2.ref })
  })

  it('refuses a file larger than --max-model-mb at download', async () => {
    const d = await testDevice(cleanup, { signer, maxModelBytes: 10_000 })
    await d.apply(desired(d.server.publish(v2)))
    expect(d.steps()).toEqual(failedAt('download', 'AGENT_DOWNLOAD_TOO_LARGE'))
  })

  it('resumes a transfer cut mid-way', async () => {
    const d = await testDevice(cleanup, { signer })
    d.server.cut('model.onnx', 20_000)
    await d.apply(desired(d.server.publish(v2)))
    expect(d.steps()).toEqual(OK_STEPS)
    expect(d.events.find((e) => e.step === 'download' && e.state === 'succeeded')?.message).toMatch(/2 request\(s\)/)
    expect(d.server.requests.filter((r) => r.path.endsWith('.onnx')).map((r) => r.status)).toEqual([200, 206])
  })

  it('refuses a model whose self-test vectors do not reproduce, at self-test', async () => {
    const d = await testDevice(cleanup, { signer })
    const wrong = gasSensorVersion('2.0.0', signer, (m) => {
      const expected = m.selfTest.vectors[0]!.expected
      for (const e of Object.values(expected)) if (e.kind === 'values') e.values[0]! += 0.5
    })
    await d.apply(desired(d.server.publish(wrong)))
    expect(d.steps()).toEqual(failedAt('self-test', 'MODEL_SELF_TEST_FAILED'))
    expect(d.served()).toBe('gas-sensor@1.0.0')
  })

  it('refuses to swap in a model that reads other features: a restart is needed', async () => {
    const d = await testDevice(cleanup, { signer })
    const renamed = gasSensorVersion('2.0.0', signer, (m) => {
      m.inputs[0]!.features![0]!.name = 'another_sensor'
      m.reference.features = m.reference.features.slice(1)
    })
    await d.apply(desired(d.server.publish(renamed)))
    expect(d.steps()).toEqual(failedAt('swap', 'AGENT_SWAP_FAILED'))
    expect(d.events.at(-1)?.message).toMatch(/restart the agent with the new model/)
    expect(d.served()).toBe('gas-sensor@1.0.0')
  })

  it('without the hub public key, refuses every desired state, saying how to get the key', async () => {
    const d = await testDevice(cleanup, { withoutKey: true })
    await d.apply(desired(d.server.publish(v2)))
    expect(d.steps()).toEqual(['received failed AGENT_SIGNATURE_INVALID'])
    expect(d.events[0]?.message).toMatch(/--hub-public-key FILE.*edgefleet device add/)
    expect(d.server.requests).toEqual([])
  })

  it('does nothing but report active for the version it serves, or for no active model', async () => {
    const d = await testDevice(cleanup, { signer })
    const same = desired(d.server.publish(v1))
    await d.apply(same)
    expect(d.steps()).toEqual(['received succeeded', 'active succeeded'])
    const none = desired(null)
    await d.apply(none)
    expect(d.events).toHaveLength(2)
    expect(d.store.pointer.generation).toBe(none.generation)
    expect(d.server.requests).toEqual([])
  })
})
