import { modelArtifactPaths, type ModelTarget } from '@edgefleet/protocol'
import type { ModelVersionRecord } from '../registry/model-store.ts'
import type { SigningKeys } from '../signing/signing-keys.ts'

/**
 * What a device needs to fetch and verify a registered version. A rollback target also carries a
 * rollback signature, without which devices refuse to go to an older version.
 */
export function modelTarget(v: ModelVersionRecord, baseUrl: string, o: { rollback?: { keys: SigningKeys } } = {}): ModelTarget {
  const signature = v.manifest.signature
  if (!signature) throw new Error(`${v.name}@${v.version} has no signature in the registry`)
  const paths = modelArtifactPaths(v)
  return {
    name: v.name,
    version: v.version,
    sha256: v.sha256,
    size: v.size,
    url: `${baseUrl}${paths.model}`,
    manifestUrl: `${baseUrl}${paths.manifest}`,
    signature,
    ...(o.rollback ? { rollbackSignature: o.rollback.keys.signRollback(v) } : {}),
  }
}
