import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto'
import { signedFieldsOf, signedPayload, type Manifest, type ManifestSignature } from '@edgefleet/protocol'

/** Why a model signature was not accepted; `null` from {@link checkManifestSignature} means accepted. */
export interface SignatureProblem {
  code: 'AGENT_SIGNATURE_INVALID' | 'AGENT_SIGNATURE_EXPIRED'
  message: string
}

/** Key id of an Ed25519 public key: the first 16 hex digits of the sha256 of its SPKI DER encoding. */
export function signingKeyId(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)
}

/**
 * Checks a manifest's signature with the hub's public key (PEM): the key id, the Ed25519 signature
 * over {@link signedPayload} (name, version, the ONNX file's sha256, expiry) and the expiry itself.
 * Returns the problem, or null when the signature is good. Checking the ONNX file against
 * `manifest.model.sha256` is the caller's separate step.
 */
export function checkManifestSignature(
  manifest: Pick<Manifest, 'name' | 'version' | 'model'>,
  signature: ManifestSignature | undefined,
  publicKeyPem: string,
  now: number = Date.now(),
  o: { rollback?: boolean } = {},
): SignatureProblem | null {
  const what = o.rollback ? 'rollback ' : ''
  if (!signature) return { code: 'AGENT_SIGNATURE_INVALID', message: o.rollback ? `a rollback to ${manifest.name}@${manifest.version} must carry the hub's rollback signature` : `${manifest.name}@${manifest.version} is not signed: push it to the hub, which signs what it accepts` }
  const key = createPublicKey(publicKeyPem)
  const keyId = signingKeyId(key)
  if (signature.keyId !== keyId) {
    return { code: 'AGENT_SIGNATURE_INVALID', message: `${manifest.name}@${manifest.version} is signed with key ${signature.keyId}, not this hub's ${keyId}` }
  }
  const payload = Buffer.from(signedPayload({ ...signedFieldsOf(manifest, signature), ...(o.rollback ? { rollback: true as const } : {}) }), 'utf8')
  const good = verify(null, payload, key, Buffer.from(signature.value, 'base64'))
  if (!good) return { code: 'AGENT_SIGNATURE_INVALID', message: `the ${what}signature of ${manifest.name}@${manifest.version} does not match its name, version and model digest: the package was altered` }
  if (signature.expiresAt <= now) {
    return { code: 'AGENT_SIGNATURE_EXPIRED', message: `the ${what}signature of ${manifest.name}@${manifest.version} expired at ${new Date(signature.expiresAt).toISOString()}: deploy it again from the hub (each desired state carries a fresh signature), or check this device's clock` }
  }
  return null
}
