import { modelArtifactPaths, type ModelTarget } from '@edgefleet/protocol'
import type { ModelVersionRecord } from '../registry/model-store.ts'
import type { SigningKeys } from '../signing/signing-keys.ts'

/**
 * What a device needs to fetch and verify a registered version. The signature is made now (a year's
 * validity), so a version stays deployable however long ago it was pushed; the one in the stored
 * manifest is its signature at registration. A rollback target also carries a rollback signature,
 * without which devices refuse to go to an older version.
 */
export function modelTarget(v: ModelVersionRecord, baseUrl: string, keys: SigningKeys, o: { rollback?: boolean } = {}): ModelTarget {
  const paths = modelArtifactPaths(v)
  return {
    name: v.name,
    version: v.version,
    sha256: v.sha256,
    size: v.size,
    url: `${baseUrl}${paths.model}`,
    manifestUrl: `${baseUrl}${paths.manifest}`,
    signature: keys.sign(v.manifest),
    ...(o.rollback ? { rollbackSignature: keys.signRollback(v) } : {}),
  }
}
