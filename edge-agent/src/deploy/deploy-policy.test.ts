import { describe, expect, it } from 'vitest'
import { checkAuthority, checkTargetMatch, isServed } from './deploy-policy.ts'
import { gasSensorVersion, TestSigner } from './test-hub.ts'

const signer = new TestSigner()
const v1 = gasSensorVersion('1.0.0', signer)
const v2 = gasSensorVersion('2.0.0', signer)
const target = (v: typeof v1, extra = {}) => ({ ...v.ref, size: v.manifest.model.size, url: 'http://hub/m.onnx', manifestUrl: 'http://hub/m.json', signature: v.manifest.signature!, ...extra })
const now = Date.now()
const base = { publicKeyPem: signer.publicKeyPem, now, rollback: false }

describe('deploy policy', () => {
  it('knows when the target is what is served', () => {
    expect(isServed(v1.ref, v1.ref)).toBe(true)
    expect(isServed(v1.ref, { ...v1.ref, sha256: 'f'.repeat(64) })).toBe(false)
    expect(isServed(v1.ref, undefined)).toBe(false)
  })

  it('refuses a manifest that describes another version than the desired state names', () => {
    expect(checkTargetMatch(v2.manifest, target(v2))).toBeNull()
    expect(checkTargetMatch(v1.manifest, target(v2))).toMatchObject({ code: 'AGENT_TARGET_MISMATCH', message: expect.stringMatching(/gas-sensor@1\.0\.0 .* desired state names gas-sensor@2\.0\.0/) })
  })

  it('accepts a newer version signed by the hub, refuses a bad or expired signature', () => {
    expect(checkAuthority({ ...base, manifest: v2.manifest, target: target(v2), served: v1.ref })).toBeNull()
    const forged = new TestSigner().sign(v2.ref)
    expect(checkAuthority({ ...base, manifest: v2.manifest, target: target(v2, { signature: forged }), served: v1.ref })).toMatchObject({ code: 'AGENT_SIGNATURE_INVALID' })
    const expired = signer.sign(v2.ref, now - 1)
    expect(checkAuthority({ ...base, manifest: v2.manifest, target: target(v2, { signature: expired }), served: v1.ref })).toMatchObject({ code: 'AGENT_SIGNATURE_EXPIRED' })
  })

  it('refuses a downgrade unless the desired state is a rollback with the hub\'s rollback signature', () => {
    expect(checkAuthority({ ...base, manifest: v1.manifest, target: target(v1), served: v2.ref })).toMatchObject({ code: 'AGENT_DOWNGRADE_REFUSED', message: expect.stringMatching(/older than the served 2\.0\.0/) })
    expect(checkAuthority({ ...base, rollback: true, manifest: v1.manifest, target: target(v1), served: v2.ref })).toMatchObject({ code: 'AGENT_DOWNGRADE_REFUSED' })
    // the plain signature cannot stand in for a rollback signature
    const replayed = target(v1, { rollbackSignature: v1.manifest.signature })
    expect(checkAuthority({ ...base, rollback: true, manifest: v1.manifest, target: replayed, served: v2.ref })).toMatchObject({ code: 'AGENT_SIGNATURE_INVALID' })
    const signed = target(v1, { rollbackSignature: signer.sign(v1.ref, now + 60_000, true) })
    expect(checkAuthority({ ...base, rollback: true, manifest: v1.manifest, target: signed, served: v2.ref })).toBeNull()
    // …but only with the rollback flag
    expect(checkAuthority({ ...base, manifest: v1.manifest, target: signed, served: v2.ref })).toMatchObject({ code: 'AGENT_DOWNGRADE_REFUSED' })
  })

  it('treats another build of the served version as a downgrade', () => {
    const rebuilt = { ...v2.ref, sha256: 'e'.repeat(64) }
    expect(checkAuthority({ ...base, manifest: v2.manifest, target: target(v2), served: rebuilt })).toMatchObject({ code: 'AGENT_DOWNGRADE_REFUSED', message: expect.stringMatching(/another build/) })
  })
})
