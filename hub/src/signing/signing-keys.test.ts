import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkManifestSignature } from '@edgefleet/models'
import { SigningKeys } from './signing-keys.ts'

const manifest = { name: 'gas-sensor', version: '1.1.0', model: { file: 'model.onnx', sha256: 'ab'.repeat(32), size: 1234 } }
let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ef-keys-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('SigningKeys', () => {
  it('creates an Ed25519 key pair on first start, private key 0600, and loads the same one afterwards', async () => {
    const first = await SigningKeys.loadOrCreate(join(dir, 'keys'))
    expect((await stat(join(dir, 'keys', 'model-signing.key'))).mode & 0o777).toBe(0o600)
    expect(await readFile(join(dir, 'keys', 'model-signing.pub'), 'utf8')).toBe(first.publicKeyPem)
    const again = await SigningKeys.loadOrCreate(join(dir, 'keys'))
    expect(again.keyId).toBe(first.keyId)
    expect(first.keyId).toMatch(/^[0-9a-f]{16}$/)
  })

  it('two hubs starting at once end up with one key', async () => {
    const [a, b] = await Promise.all([SigningKeys.loadOrCreate(dir), SigningKeys.loadOrCreate(dir)])
    expect(a.keyId).toBe(b.keyId)
  })

  it('signs name, version and model digest: a good signature checks, any change or another key does not, expiry counts', async () => {
    const keys = await SigningKeys.loadOrCreate(dir)
    const now = Date.now()
    const signature = keys.sign(manifest, now + 60_000)
    expect(signature).toMatchObject({ alg: 'ed25519', keyId: keys.keyId, expiresAt: now + 60_000 })
    expect(checkManifestSignature(manifest, signature, keys.publicKeyPem, now)).toBeNull()
    // one flipped digest character: the package was altered
    const altered = { ...manifest, model: { ...manifest.model, sha256: `ac${manifest.model.sha256.slice(2)}` } }
    expect(checkManifestSignature(altered, signature, keys.publicKeyPem, now)).toMatchObject({ code: 'AGENT_SIGNATURE_INVALID' })
    // a downgrade cannot borrow another version's signature
    expect(checkManifestSignature({ ...manifest, version: '1.0.0' }, signature, keys.publicKeyPem, now)).toMatchObject({ code: 'AGENT_SIGNATURE_INVALID' })
    // a later expiry written into the signature breaks it
    expect(checkManifestSignature(manifest, { ...signature, expiresAt: now + 1e9 }, keys.publicKeyPem, now)).toMatchObject({ code: 'AGENT_SIGNATURE_INVALID' })
    expect(checkManifestSignature(manifest, signature, keys.publicKeyPem, now + 60_000)).toMatchObject({ code: 'AGENT_SIGNATURE_EXPIRED' })
    const other = await SigningKeys.loadOrCreate(join(dir, 'other'))
    expect(checkManifestSignature(manifest, other.sign(manifest), keys.publicKeyPem, now)).toMatchObject({ code: 'AGENT_SIGNATURE_INVALID', message: expect.stringMatching(/signed with key/) })
    expect(checkManifestSignature(manifest, undefined, keys.publicKeyPem, now)).toMatchObject({ code: 'AGENT_SIGNATURE_INVALID', message: expect.stringMatching(/not signed/) })
  })

  it('refuses a key file that is not an Ed25519 private key, saying not to replace it lightly', async () => {
    await writeFile(join(dir, 'model-signing.key'), 'not a key')
    await expect(SigningKeys.loadOrCreate(dir)).rejects.toMatchObject({ code: 'HUB_SIGNING_KEY_INVALID', message: expect.stringMatching(/backup/) })
  })
})
