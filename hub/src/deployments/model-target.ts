import type { ModelTarget } from '@edgefleet/protocol'
import type { ModelVersionRecord } from '../registry/model-store.ts'
import type { SigningKeys } from '../signing/signing-keys.ts'

/** The artifact URLs of a registered version under the hub's public base URL. */
export function artifactUrls(baseUrl: string, name: string, version: string): { url: string; manifestUrl: string } {
  const base = `${baseUrl}/api/v1/models/${encodeURIComponent(name)}/${encodeURIComponent(version)}`
  return { url: `${base}/model.onnx`, manifestUrl: `${base}/manifest.json` }
}

/**
 * What a device needs to fetch and verify a registered version. A rollback target also carries a
 * rollback signature, without which devices refuse to go to an older version.
 */
export function modelTarget(v: ModelVersionRecord, baseUrl: string, o: { rollback?: { keys: SigningKeys } } = {}): ModelTarget {
  const signature = v.manifest.signature
  if (!signature) throw new Error(`${v.name}@${v.version} has no signature in the registry`)
  return {
    name: v.name,
    version: v.version,
    sha256: v.sha256,
    size: v.size,
    ...artifactUrls(baseUrl, v.name, v.version),
    signature,
    ...(o.rollback ? { rollbackSignature: o.rollback.keys.signRollback(v) } : {}),
  }
}
