import type { Manifest } from '@edgefleet/protocol'
import { HubError } from '../errors.ts'
import type { ClaimTokenRecord } from './claim-store.ts'
import type { ModelVersionRecord } from './model-store.ts'

/**
 * Rows of the tables whose columns are the same in the SQLite and PostgreSQL registries, and how they
 * become records: one mapping for both dialects.
 */

export interface ClaimTokenRow {
  name: string
  prefix: string
  tags: string
  max_uses: number | null
  uses: number
  expires_at: number | null
  revoked_at: number | null
  created_at: number
}

export const CLAIM_TOKEN_COLUMNS = 'name, prefix, tags, max_uses, uses, expires_at, revoked_at, created_at'

export function toClaimTokenRecord(r: ClaimTokenRow): ClaimTokenRecord {
  return {
    name: r.name, prefix: r.prefix, tags: JSON.parse(r.tags) as Record<string, string>, maxUses: r.max_uses, uses: r.uses,
    expiresAt: r.expires_at, revokedAt: r.revoked_at, createdAt: r.created_at,
  }
}

export const claimTokenNotFound = (name: string): HubError =>
  new HubError('HUB_CLAIM_TOKEN_NOT_FOUND', `no claim token ${JSON.stringify(name)}: list them with \`edgefleet claim-token list\``)

export interface ModelVersionRow {
  name: string
  version: string
  sha256: string
  size: number
  manifest: string
  parent_version: string | null
  created_at: number
}

/** Versions kept parsed in memory: a manifest is up to a few MB of JSON, and every device download reads one. */
export const CACHED_MODEL_VERSIONS = 64

export function toModelVersionRecord(r: ModelVersionRow): ModelVersionRecord {
  return { name: r.name, version: r.version, sha256: r.sha256, size: r.size, manifest: JSON.parse(r.manifest) as Manifest, parentVersion: r.parent_version, createdAt: r.created_at }
}
