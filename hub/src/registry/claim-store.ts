import type { DeviceRecord } from './registry-store.ts'

/** A claim token as stored (never its secret). Times are ms since the epoch. */
export interface ClaimTokenRecord {
  name: string
  /** device ids are `<prefix>-<serial>` */
  prefix: string
  /** given to every device the token makes */
  tags: Record<string, string>
  /** null: unlimited */
  maxUses: number | null
  /** devices made so far (a device asking again is not counted twice) */
  uses: number
  expiresAt: number | null
  revokedAt: number | null
  createdAt: number
}

/** What `claim-token add` asks for. */
export interface ClaimTokenSpec {
  name: string
  prefix: string
  tags?: Record<string, string>
  maxUses?: number | null
  expiresAt?: number | null
}

/** A device a claim made or re-issued, with its fresh secret (shown once). */
export interface ClaimedDevice {
  device: DeviceRecord
  secret: string
}

/**
 * Claim tokens for fleet provisioning (part of the registry). Whether a claim is allowed is decided by
 * the pure policy in provisioning/claim-policy.ts; the store only makes each outcome atomic.
 */
export interface ClaimStore {
  /** Creates a token; its secret is returned once and only its hash kept. Throws HUB_CLAIM_TOKEN_EXISTS. */
  addClaimToken(spec: ClaimTokenSpec, at?: number): Promise<{ token: ClaimTokenRecord; secret: string }>
  getClaimToken(name: string): Promise<ClaimTokenRecord | null>
  /** Ordered by name. */
  listClaimTokens(): Promise<ClaimTokenRecord[]>
  /** Constant-time check against the stored hash; false for unknown tokens (revoked or expired ones still verify: the claim says why it is refused). */
  verifyClaimToken(name: string, secret: string): Promise<boolean>
  /** Marks the token revoked; revoking again keeps the first time. Throws HUB_CLAIM_TOKEN_NOT_FOUND. */
  revokeClaimToken(name: string, at: number): Promise<ClaimTokenRecord>
  /** The device this token made for this serial, if any. */
  findClaimedDevice(tokenName: string, serial: string): Promise<DeviceRecord | null>
  /**
   * Creates the device `deviceId` for (token, serial) and counts one use, atomically. Throws
   * HUB_CLAIM_TOKEN_USED_UP when another claim took the last use meanwhile, HUB_CLAIM_TOKEN_NOT_FOUND,
   * HUB_DEVICE_EXISTS when the id is taken.
   */
  claimNewDevice(claim: { tokenName: string; serial: string; deviceId: string; tags: Record<string, string>; at: number }): Promise<ClaimedDevice>
  /** A fresh secret for the device this token made for this serial; no use is counted. Throws HUB_DEVICE_NOT_FOUND. */
  reissueClaimedDevice(tokenName: string, serial: string): Promise<ClaimedDevice>
}
