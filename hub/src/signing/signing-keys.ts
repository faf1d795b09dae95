import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { signedFieldsOf, signedPayload, type Manifest, type ManifestSignature } from '@edgefleet/protocol'
import { signingKeyId } from '@edgefleet/models'
import { HubError } from '../errors.ts'

const PRIVATE_FILE = 'model-signing.key'
const PUBLIC_FILE = 'model-signing.pub'
/** How long a signature is accepted unless the caller says otherwise. */
export const DEFAULT_SIGNATURE_DAYS = 365
/** How long a rollback signature is accepted: long enough for an offline device to come back and roll back. */
export const ROLLBACK_SIGNATURE_DAYS = 30
const DAY_MS = 86_400_000

/**
 * The hub's Ed25519 key pair for signing model manifests. Created on first start in the data
 * directory (`keys/model-signing.key`, PKCS#8 PEM, mode 0600; `keys/model-signing.pub`, SPKI PEM)
 * and loaded from there afterwards, so signatures stay valid across restarts. Agents get the public
 * key with their credentials and check every model with it (`checkManifestSignature`).
 */
export class SigningKeys {
  private constructor(private readonly privateKey: KeyObject, readonly publicKeyPem: string, readonly keyId: string) {}

  /** Loads the key pair from `dir`, creating it first when there is none. */
  static async loadOrCreate(dir: string): Promise<SigningKeys> {
    const privatePath = join(dir, PRIVATE_FILE)
    let pem: string
    try {
      pem = await readFile(privatePath, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new HubError('HUB_SIGNING_KEY_INVALID', `cannot read the model-signing key ${privatePath}: ${(err as Error).message}`, { cause: err })
      pem = await createKeyPair(dir)
    }
    let privateKey: KeyObject
    try {
      privateKey = createPrivateKey(pem)
      if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${privateKey.asymmetricKeyType} key, not ed25519`)
    } catch (err) {
      throw new HubError('HUB_SIGNING_KEY_INVALID', `${privatePath} is not an Ed25519 private key (${(err as Error).message}): restore it from a backup; a new key would invalidate every signed model`, { cause: err })
    }
    const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
    return new SigningKeys(privateKey, publicKeyPem, signingKeyId(publicKeyPem))
  }

  /** Signs a manifest's name, version and model digest, valid until `expiresAt` (default: a year from now). */
  sign(manifest: Pick<Manifest, 'name' | 'version' | 'model'>, expiresAt: number = Date.now() + DEFAULT_SIGNATURE_DAYS * DAY_MS): ManifestSignature {
    const payload = Buffer.from(signedPayload(signedFieldsOf(manifest, { expiresAt })), 'utf8')
    return { alg: 'ed25519', keyId: this.keyId, expiresAt, value: sign(null, payload, this.privateKey).toString('base64') }
  }

  /**
   * Signs a rollback to an older version: the same fields as {@link sign} plus `rollback: true`, so a
   * device accepts the downgrade only from this hub and only for this version and digest.
   */
  signRollback(target: { name: string; version: string; sha256: string }, expiresAt: number = Date.now() + ROLLBACK_SIGNATURE_DAYS * DAY_MS): ManifestSignature {
    const payload = Buffer.from(signedPayload({ name: target.name, version: target.version, sha256: target.sha256, expiresAt, rollback: true }), 'utf8')
    return { alg: 'ed25519', keyId: this.keyId, expiresAt, value: sign(null, payload, this.privateKey).toString('base64') }
  }
}

/**
 * Writes a new key pair. The private key is linked under its final name, which fails when another
 * hub process created one first: then that key is used, so two processes never sign with two keys.
 */
async function createKeyPair(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const { privateKey } = generateKeyPairSync('ed25519')
  const temp = join(dir, `${PRIVATE_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  await writeFile(temp, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 })
  await chmod(temp, 0o600)
  try {
    await link(temp, join(dir, PRIVATE_FILE))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  } finally {
    await unlink(temp)
  }
  const pem = await readFile(join(dir, PRIVATE_FILE), 'utf8')
  const publicPem = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }).toString()
  await writeFile(join(dir, PUBLIC_FILE), publicPem, { mode: 0o644 })
  return pem
}
