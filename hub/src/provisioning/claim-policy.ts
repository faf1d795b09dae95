import { createHash } from 'node:crypto'
import type { ProvisionRefusalCode } from '@edgefleet/protocol'
import type { ClaimTokenRecord } from '../registry/claim-store.ts'

/**
 * Fleet provisioning by claim, the policy: pure functions over plain data (no I/O), adapted by
 * claim-handler.ts. A claim token names a batch; each device claims one identity with its serial.
 */

/** What the hub does with one claim. */
export type ClaimDecision =
  | { action: 'create'; deviceId: string; tags: Record<string, string> }
  /** the token already made a device for this serial (it crashed before saving its identity): a fresh secret, no use counted */
  | { action: 'reissue'; deviceId: string }
  | { action: 'refuse'; code: ProvisionRefusalCode; message: string }

/** What the decision looks at. */
export interface ClaimInput {
  /** the token the connection authenticated with, as stored now (null: removed meanwhile) */
  token: ClaimTokenRecord | null
  serial: string
  /** the device this token made for this serial before, if any */
  existing: { id: string; revokedAt: number | null } | null
  now: number
}

const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/
const MAX_DEVICE_ID = 64
const HASH_CHARS = 8

/** True when `prefix` can start claimed device ids (1–48 characters, leaving room for the serial). */
export function isClaimPrefix(prefix: string): boolean {
  return PREFIX.test(prefix)
}

/**
 * The device id for a serial: `<prefix>-<serial>` with every run of characters a device id cannot hold
 * replaced by `-`. A serial too long for the 64-character id keeps its start and gets 8 hex digits of its
 * sha256, so long serials that share a start still differ.
 */
export function deviceIdFor(prefix: string, serial: string): string {
  const clean = serial.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-_.]+|[-_.]+$/g, '')
  const hash = createHash('sha256').update(serial).digest('hex').slice(0, HASH_CHARS)
  if (clean.length === 0) return `${prefix}-${hash}`
  const id = `${prefix}-${clean}`
  if (id.length <= MAX_DEVICE_ID) return id
  const room = MAX_DEVICE_ID - prefix.length - 2 - HASH_CHARS
  return `${prefix}-${clean.slice(0, room).replace(/[-_.]+$/, '')}-${hash}`
}

/** Decides one claim: token usable? this serial seen before? a use left? */
export function decideClaim(input: ClaimInput): ClaimDecision {
  const { token, existing, now } = input
  if (!token) return refuse('PROVISION_TOKEN_UNKNOWN', 'the hub no longer knows this claim token: ask the operator for a new one')
  if (token.revokedAt !== null) return refuse('PROVISION_TOKEN_REVOKED', `claim token ${token.name} was revoked: ask the operator for a new one`)
  if (token.expiresAt !== null && now >= token.expiresAt) {
    return refuse('PROVISION_TOKEN_EXPIRED', `claim token ${token.name} expired at ${new Date(token.expiresAt).toISOString()}: ask the operator for a new one`)
  }
  if (existing) {
    if (existing.revokedAt !== null) return refuse('PROVISION_DEVICE_REVOKED', `device ${existing.id}, which this serial claimed before, was revoked: the operator must remove it before it can be claimed again`)
    return { action: 'reissue', deviceId: existing.id }
  }
  if (token.maxUses !== null && token.uses >= token.maxUses) {
    return refuse('PROVISION_TOKEN_USED_UP', `claim token ${token.name} has made all ${token.maxUses} of its devices: ask the operator for a new token (or one with more uses)`)
  }
  return { action: 'create', deviceId: deviceIdFor(token.prefix, input.serial), tags: { ...token.tags } }
}

function refuse(code: ProvisionRefusalCode, message: string): ClaimDecision {
  return { action: 'refuse', code, message }
}
