import { signedPayload, type ModelTarget } from '@edgefleet/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import { checkAuthority, importHubKey, sha256Hex, type HubKey } from './model-signature.ts'

const SHA = 'ab'.repeat(32)
const manifest = { name: 'ultraface', version: '1.1.0', model: { file: 'model.onnx', sha256: SHA, size: 10 } }
const now = Date.UTC(2026, 0, 1)

let hub: HubKey
let pair: CryptoKeyPair
let spki: string

const toBase64 = (bytes: ArrayBuffer): string => btoa(String.fromCharCode(...new Uint8Array(bytes)))

async function sign(fields: { name: string; version: string; expiresAt: number; rollback?: true }, keyId = hub.keyId) {
  const bytes = new TextEncoder().encode(signedPayload({ ...fields, sha256: SHA }))
  return { alg: 'ed25519' as const, keyId, expiresAt: fields.expiresAt, value: toBase64(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, bytes)) }
}

async function target(version: string, o: { expiresAt?: number; rollback?: boolean } = {}): Promise<ModelTarget> {
  const expiresAt = o.expiresAt ?? now + 60_000
  return {
    name: 'ultraface', version, sha256: SHA, size: 10, url: '/m', manifestUrl: '/m.json',
    signature: await sign({ name: 'ultraface', version, expiresAt }),
    ...(o.rollback ? { rollbackSignature: await sign({ name: 'ultraface', version, expiresAt, rollback: true }) } : {}),
  }
}

beforeAll(async () => {
  pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair
  const der = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey))
  spki = toBase64(der.buffer).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  hub = await importHubKey(spki)
})

describe('model signatures checked with WebCrypto', () => {
  it('names the key as the hub does: the first 16 hex digits of the sha256 of its SPKI', async () => {
    const der = Uint8Array.from(atob(spki.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (spki.length % 4)) % 4)), (c) => c.charCodeAt(0))
    expect(hub.keyId).toBe((await sha256Hex(der)).slice(0, 16))
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('accepts the hub\'s signature and refuses an altered, expired or foreign one', async () => {
    const good = await target('1.1.0')
    expect(await checkAuthority({ manifest, target: good, rollback: false, served: undefined, hub, now })).toBeNull()
    expect(await checkAuthority({ manifest: { ...manifest, version: '1.2.0' }, target: good, rollback: false, served: undefined, hub, now }))
      .toMatchObject({ code: 'AGENT_SIGNATURE_INVALID', message: expect.stringMatching(/altered/) })
    expect(await checkAuthority({ manifest, target: await target('1.1.0', { expiresAt: now - 1 }), rollback: false, served: undefined, hub, now }))
      .toMatchObject({ code: 'AGENT_SIGNATURE_EXPIRED' })
    const foreign = { ...good, signature: { ...good.signature, keyId: '0123456789abcdef' } }
    expect(await checkAuthority({ manifest, target: foreign, rollback: false, served: undefined, hub, now })).toMatchObject({ code: 'AGENT_SIGNATURE_INVALID', message: expect.stringMatching(/not this hub's/) })
  })

  it('goes back to an older version only on a signed rollback', async () => {
    const served = { name: 'ultraface', version: '1.2.0', sha256: 'cd'.repeat(32) }
    expect(await checkAuthority({ manifest, target: await target('1.1.0'), rollback: false, served, hub, now })).toMatchObject({ code: 'AGENT_DOWNGRADE_REFUSED' })
    expect(await checkAuthority({ manifest, target: await target('1.1.0', { rollback: true }), rollback: true, served, hub, now })).toBeNull()
  })
})
