import { HubError } from '../../errors.ts'
import type { ClaimedDevice, ClaimStore, ClaimTokenRecord, ClaimTokenSpec } from '../claim-store.ts'
import { isCredentialName, requireCredentialName, requireDeviceId } from '../identifiers.ts'
import type { DeviceRecord } from '../registry-store.ts'
import { generateSecret, hashSecret, verifySecret } from '../secret-hash.ts'
import { LOCK, lockName } from './pg-locks.ts'
import { isUniqueViolation, type PgQueries } from './pg-queries.ts'
import { DEVICE_COLUMNS, toPgDeviceRecord, type PgDeviceRow } from './pg-rows.ts'
import { CLAIM_TOKEN_COLUMNS, claimTokenNotFound, toClaimTokenRecord, type ClaimTokenRow } from '../table-rows.ts'

const taken = (id: string): HubError => new HubError('HUB_DEVICE_EXISTS', `device id ${JSON.stringify(id)} is already taken`)

/** The claim_tokens table of the PostgreSQL registry and the claimed devices (migration 5). Same semantics as SqliteClaims. */
export class PgClaims implements ClaimStore {
  constructor(private readonly q: PgQueries) {}

  async addClaimToken(spec: ClaimTokenSpec, at = Date.now()): Promise<{ token: ClaimTokenRecord; secret: string }> {
    requireCredentialName(spec.name)
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    try {
      await this.q.run('INSERT INTO claim_tokens (name, secret_hash, prefix, tags, max_uses, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [spec.name, hash, spec.prefix, JSON.stringify(spec.tags ?? {}), spec.maxUses ?? null, spec.expiresAt ?? null, at])
    } catch (err) {
      if (isUniqueViolation(err)) throw new HubError('HUB_CLAIM_TOKEN_EXISTS', `claim token ${JSON.stringify(spec.name)} already exists: revoke it and pick another name`)
      throw err
    }
    return { token: (await this.getClaimToken(spec.name))!, secret }
  }

  async getClaimToken(name: string): Promise<ClaimTokenRecord | null> {
    if (!isCredentialName(name)) return null
    const row = await this.q.one<ClaimTokenRow>(`SELECT ${CLAIM_TOKEN_COLUMNS} FROM claim_tokens WHERE name = $1`, [name])
    return row ? toClaimTokenRecord(row) : null
  }

  async listClaimTokens(): Promise<ClaimTokenRecord[]> {
    return (await this.q.rows<ClaimTokenRow>(`SELECT ${CLAIM_TOKEN_COLUMNS} FROM claim_tokens ORDER BY name COLLATE "C"`)).map(toClaimTokenRecord)
  }

  async verifyClaimToken(name: string, secret: string): Promise<boolean> {
    if (!isCredentialName(name)) return false
    const row = await this.q.one<{ secret_hash: string }>('SELECT secret_hash FROM claim_tokens WHERE name = $1', [name])
    return verifySecret(secret, row?.secret_hash ?? null)
  }

  async revokeClaimToken(name: string, at: number): Promise<ClaimTokenRecord> {
    requireCredentialName(name)
    if ((await this.q.run('UPDATE claim_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE name = $2', [at, name])) === 0) throw claimTokenNotFound(name)
    return (await this.getClaimToken(name))!
  }

  async findClaimedDevice(tokenName: string, serial: string): Promise<DeviceRecord | null> {
    const row = await this.q.one<PgDeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE claim_token = $1 AND serial = $2`, [tokenName, serial])
    return row ? toPgDeviceRecord(row) : null
  }

  async claimNewDevice(c: { tokenName: string; serial: string; deviceId: string; tags: Record<string, string>; at: number }): Promise<ClaimedDevice> {
    requireDeviceId(c.deviceId)
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    try {
      await this.q.tx(async (t) => {
        // the UPDATE locks the token's row and re-checks the guard on the newest row version once a concurrent claim
        // commits (READ COMMITTED), so the last use goes to exactly one of several concurrent claims
        const used = await t.run('UPDATE claim_tokens SET uses = uses + 1 WHERE name = $1 AND (max_uses IS NULL OR uses < max_uses)', [c.tokenName])
        if (used === 0) {
          if (!(await t.one('SELECT 1 FROM claim_tokens WHERE name = $1', [c.tokenName]))) throw claimTokenNotFound(c.tokenName)
          throw new HubError('HUB_CLAIM_TOKEN_USED_UP', `claim token ${JSON.stringify(c.tokenName)} has no uses left`)
        }
        // devices and subscribers share the broker's username namespace
        await lockName(t, LOCK.mqttUsername, c.deviceId)
        if (await t.one("SELECT 1 FROM credentials WHERE kind = 'subscriber' AND name = $1", [c.deviceId])) throw taken(c.deviceId)
        await t.run('INSERT INTO devices (id, tags, created_at, secret_hash, claim_token, serial) VALUES ($1, $2, $3, $4, $5, $6)',
          [c.deviceId, JSON.stringify(c.tags), c.at, hash, c.tokenName, c.serial])
      })
    } catch (err) {
      // the rollback also returned the use
      if (isUniqueViolation(err)) throw taken(c.deviceId)
      throw err
    }
    return { device: (await this.findClaimedDevice(c.tokenName, c.serial))!, secret }
  }

  async reissueClaimedDevice(tokenName: string, serial: string): Promise<ClaimedDevice> {
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    const changed = await this.q.run('UPDATE devices SET secret_hash = $1 WHERE claim_token = $2 AND serial = $3', [hash, tokenName, serial])
    if (changed === 0) throw new HubError('HUB_DEVICE_NOT_FOUND', `claim token ${JSON.stringify(tokenName)} made no device for serial ${JSON.stringify(serial)}`)
    return { device: (await this.findClaimedDevice(tokenName, serial))!, secret }
  }
}
