import { signedFieldsOf, signedPayload, type ErrorCode, type Manifest, type ManifestSignature, type ModelTarget } from '@edgefleet/protocol'
import { AgentError } from '../../src/errors.ts'
import { compareVersions } from '../../src/deploy/version-order.ts'

/** The hub's model-signing key, imported into WebCrypto, with its key id. */
export interface HubKey {
  key: CryptoKey
  /** first 16 hex digits of the sha256 of the SPKI DER, as the hub computes it (`signingKeyId`) */
  keyId: string
}

/** Why an activation is refused: a wire code and a message that says what to do. */
export interface DeployProblem {
  code: ErrorCode
  message: string
}

/** The model version being served, as the activation compares it. */
export interface ServedRef {
  name: string
  version: string
  sha256: string
}

/** sha256 of `bytes`, lower-case hex (WebCrypto). */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Imports the hub's Ed25519 public key from the provisioning link (SPKI DER, base64url). Without
 * Ed25519 in this browser's WebCrypto no model can be checked, so none is run: AGENT_SIGNATURE_INVALID
 * saying so.
 */
export async function importHubKey(spkiBase64url: string): Promise<HubKey> {
  const der = base64ToBytes(spkiBase64url)
  let key: CryptoKey
  try {
    key = await crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify'])
  } catch (cause) {
    const unsupported = (cause as Error).name === 'NotSupportedError'
    const message = unsupported
      ? 'this browser has no Ed25519 in WebCrypto, so it cannot check the hub\'s signature on a model: use a current Chrome, Edge, Firefox or Safari'
      : `the hub key in the provisioning link is not an Ed25519 public key (${(cause as Error).message}): open the link \`edgefleet device add --link\` printed, whole`
    throw new AgentError('AGENT_SIGNATURE_INVALID', message, { cause })
  }
  return { key, keyId: (await sha256Hex(der)).slice(0, 16) }
}

/**
 * Checks a signature as `checkManifestSignature` does on Node: key id, Ed25519 over
 * {@link signedPayload} (name, version, the ONNX file's sha256, expiry), then the expiry.
 */
export async function checkSignature(
  manifest: Pick<Manifest, 'name' | 'version' | 'model'>,
  signature: ManifestSignature | undefined,
  hub: HubKey,
  now: number,
  o: { rollback?: boolean } = {},
): Promise<DeployProblem | null> {
  const what = o.rollback ? 'rollback ' : ''
  const model = `${manifest.name}@${manifest.version}`
  if (!signature) return { code: 'AGENT_SIGNATURE_INVALID', message: o.rollback ? `a rollback to ${model} must carry the hub's rollback signature` : `${model} is not signed: push it to the hub, which signs what it accepts` }
  if (signature.keyId !== hub.keyId) return { code: 'AGENT_SIGNATURE_INVALID', message: `${model} is signed with key ${signature.keyId}, not this hub's ${hub.keyId}` }
  const payload = new TextEncoder().encode(signedPayload({ ...signedFieldsOf(manifest, signature), ...(o.rollback ? { rollback: true as const } : {}) }))
  let good = false
  try {
    good = await crypto.subtle.verify({ name: 'Ed25519' }, hub.key, base64ToBytes(signature.value), payload)
  } catch {
    good = false
  }
  if (!good) return { code: 'AGENT_SIGNATURE_INVALID', message: `the ${what}signature of ${model} does not match its name, version and model digest: the package was altered` }
  if (signature.expiresAt <= now) {
    return { code: 'AGENT_SIGNATURE_EXPIRED', message: `the ${what}signature of ${model} expired at ${new Date(signature.expiresAt).toISOString()}: deploy it again from the hub, or check this device's clock` }
  }
  return null
}

/**
 * May `target` replace what is served? As the Node agent's `checkAuthority`: an upgrade (or another
 * model) needs the plain signature; a version not newer than the served one of the same model only
 * comes back with a signed rollback.
 */
export async function checkAuthority(
  o: { manifest: Pick<Manifest, 'name' | 'version' | 'model'>; target: ModelTarget; rollback: boolean; served: ServedRef | undefined; hub: HubKey; now: number },
): Promise<DeployProblem | null> {
  const { target, served } = o
  const downgrade = served !== undefined && served.name === target.name && compareVersions(target.version, served.version) <= 0
  if (!downgrade) return checkSignature(o.manifest, target.signature, o.hub, o.now)
  if (!o.rollback || !target.rollbackSignature) {
    return { code: 'AGENT_DOWNGRADE_REFUSED', message: `${target.name}@${target.version} is not newer than the served ${served.version}: a device goes back only on a signed rollback (roll back the rollout on the hub)` }
  }
  return checkSignature(o.manifest, target.rollbackSignature, o.hub, o.now, { rollback: true })
}

/** base64 or base64url (padded or not) → bytes. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}
