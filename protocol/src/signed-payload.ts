import type { ManifestSignature } from './schemas/manifest.ts'

/** What a model signature covers: the manifest's name and version, the ONNX file's sha256, and an expiry. */
export interface SignedFields {
  name: string
  version: string
  /** sha256 of the ONNX file, hex */
  sha256: string
  /** ms since the epoch after which the signature is no longer accepted */
  expiresAt: number
  /**
   * set in a rollback signature only: the hub allows a device to go back to this (older) version.
   * A manifest's own signature never carries it, so it cannot be replayed to force a downgrade.
   */
  rollback?: true
}

/**
 * The exact bytes (UTF-8 of this string) an Ed25519 model signature is made over: a JSON object
 * with a fixed key order, so the hub and every agent, in Node or a browser, build the same bytes.
 */
export function signedPayload(f: SignedFields): string {
  const base = { alg: 'ed25519', name: f.name, version: f.version, sha256: f.sha256, expiresAt: f.expiresAt }
  return JSON.stringify(f.rollback ? { ...base, rollback: true } : base)
}

/** The fields a manifest and its signature put under the signature. */
export function signedFieldsOf(m: { name: string; version: string; model: { sha256: string } }, signature: Pick<ManifestSignature, 'expiresAt'>): SignedFields {
  return { name: m.name, version: m.version, sha256: m.model.sha256, expiresAt: signature.expiresAt }
}
