import { checkManifestSignature } from '@edgefleet/models'
import type { ErrorCode, Manifest, ModelTarget } from '@edgefleet/protocol'
import type { ServedRef } from '../pipeline/model-slot.ts'
import { compareVersions } from './version-order.ts'

/** Why an activation is refused: a wire error code and a message that says what to do. */
export interface DeployProblem {
  code: ErrorCode
  message: string
}

/** True when `target` is exactly the version served (same name, version and digest): nothing to do. */
export function isServed(target: Pick<ModelTarget, 'name' | 'version' | 'sha256'>, served: ServedRef | undefined): boolean {
  return served !== undefined && served.name === target.name && served.version === target.version && served.sha256 === target.sha256
}

/** The downloaded manifest must describe the version the desired state names (AGENT_TARGET_MISMATCH). */
export function checkTargetMatch(manifest: Pick<Manifest, 'name' | 'version' | 'model'>, target: ModelTarget): DeployProblem | null {
  const got = `${manifest.name}@${manifest.version} (sha256 ${manifest.model.sha256.slice(0, 12)}…)`
  const want = `${target.name}@${target.version} (sha256 ${target.sha256.slice(0, 12)}…)`
  if (manifest.name === target.name && manifest.version === target.version && manifest.model.sha256 === target.sha256 && manifest.model.size === target.size) return null
  return { code: 'AGENT_TARGET_MISMATCH', message: `the hub's manifest describes ${got}, but the desired state names ${want}: the hub's registry is inconsistent; push the version again` }
}

/** Inputs of {@link checkAuthority}. */
export interface AuthorityInput {
  manifest: Pick<Manifest, 'name' | 'version' | 'model'>
  target: ModelTarget
  /** the desired state's `rollback` flag */
  rollback: boolean
  /** what the device serves now */
  served: ServedRef | undefined
  /** the hub's Ed25519 public key, PEM */
  publicKeyPem: string
  now: number
}

/**
 * May `target` replace the served model? An upgrade (or another model) needs the hub's signature over
 * name, version and digest, unexpired. A version not newer than the served one of the same model is a
 * downgrade: refused (AGENT_DOWNGRADE_REFUSED) unless the desired state is a rollback carrying the
 * hub's rollback signature, which is then checked in place of the plain one.
 */
export function checkAuthority(o: AuthorityInput): DeployProblem | null {
  const { manifest, target, served } = o
  const downgrade = served !== undefined && served.name === target.name && compareVersions(target.version, served.version) <= 0
  if (!downgrade) return checkManifestSignature(manifest, target.signature, o.publicKeyPem, o.now)
  if (!o.rollback || !target.rollbackSignature) {
    const what = compareVersions(target.version, served.version) === 0 ? 'another build of the served version' : `older than the served ${served.version}`
    return { code: 'AGENT_DOWNGRADE_REFUSED', message: `${target.name}@${target.version} is ${what}: a device goes back only on a signed rollback (roll back the rollout on the hub)` }
  }
  return checkManifestSignature(manifest, target.rollbackSignature, o.publicKeyPem, o.now, { rollback: true })
}
