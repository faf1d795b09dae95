import { HubError } from '../errors.ts'
import type { SqliteStatements } from '../sqlite/sqlite-statements.ts'
import type { ClaimedDevice, ClaimStore, ClaimTokenRecord, ClaimTokenSpec } from './claim-store.ts'
import { isCredentialName, requireCredentialName, requireDeviceId } from './identifiers.ts'
import type { DeviceRecord } from './registry-store.ts'
import { generateSecret, hashSecret, verifySecret } from './secret-hash.ts'
import { DEVICE_COLUMNS, toDeviceRecord, type DeviceRow } from './sqlite-rows.ts'
import { CLAIM_TOKEN_COLUMNS, claimTokenNotFound, toClaimTokenRecord, type ClaimTokenRow } from './table-rows.ts'


/** The claim_tokens table of the SQLite registry and the claimed devices (migration 5). */
export class SqliteClaims implements ClaimStore {
  constructor(private readonly q: SqliteStatements) {}

  async addClaimToken(spec: ClaimTokenSpec, at = Date.now()): Promise<{ token: ClaimTokenRecord; secret: string }> {
    requireCredentialName(spec.name)
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    this.q.exec(() =>
      this.q.db.transaction(() => {
        if (this.q.stmt('SELECT 1 FROM claim_tokens WHERE name = ?').get(spec.name)) {
          throw new HubError('HUB_CLAIM_TOKEN_EXISTS', `claim token ${JSON.stringify(spec.name)} already exists: revoke it and pick another name`)
        }
        this.q.stmt('INSERT INTO claim_tokens (name, secret_hash, prefix, tags, max_uses, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(spec.name, hash, spec.prefix, JSON.stringify(spec.tags ?? {}), spec.maxUses ?? null, spec.expiresAt ?? null, at)
      }).immediate(),
    )
    return { token: (await this.getClaimToken(spec.name))!, secret }
  }

  async getClaimToken(name: string): Promise<ClaimTokenRecord | null> {
    if (!isCredentialName(name)) return null
    const row = this.q.exec(() => this.q.stmt(`SELECT ${CLAIM_TOKEN_COLUMNS} FROM claim_tokens WHERE name = ?`).get(name) as ClaimTokenRow | undefined)
    return row ? toClaimTokenRecord(row) : null
  }

  async listClaimTokens(): Promise<ClaimTokenRecord[]> {
    return this.q.exec(() => (this.q.stmt(`SELECT ${CLAIM_TOKEN_COLUMNS} FROM claim_tokens ORDER BY name`).all() as ClaimTokenRow[]).map(toClaimTokenRecord))
  }

  async verifyClaimToken(name: string, secret: string): Promise<boolean> {
    if (!isCredentialName(name)) return false
    const row = this.q.exec(() => this.q.stmt('SELECT secret_hash FROM claim_tokens WHERE name = ?').get(name) as { secret_hash: string } | undefined)
    return verifySecret(secret, row?.secret_hash ?? null)
  }

  async revokeClaimToken(name: string, at: number): Promise<ClaimTokenRecord> {
    requireCredentialName(name)
    const changes = this.q.exec(() => this.q.stmt('UPDATE claim_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE name = ?').run(at, name).changes)
    if (changes === 0) throw claimTokenNotFound(name)
    return (await this.getClaimToken(name))!
  }

  async findClaimedDevice(tokenName: string, serial: string): Promise<DeviceRecord | null> {
    const row = this.q.exec(() => this.q.stmt(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE claim_token = ? AND serial = ?`).get(tokenName, serial) as DeviceRow | undefined)
    return row ? toDeviceRecord(row) : null
  }

  async claimNewDevice(c: { tokenName: string; serial: string; deviceId: string; tags: Record<string, string>; at: number }): Promise<ClaimedDevice> {
    requireDeviceId(c.deviceId)
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    this.q.exec(() =>
      this.q.db.transaction(() => {
        // the guard makes the last use go to exactly one of several concurrent claims
        const used = this.q.stmt('UPDATE claim_tokens SET uses = uses + 1 WHERE name = ? AND (max_uses IS NULL OR uses < max_uses)').run(c.tokenName).changes
        if (used === 0) {
          if (!this.q.stmt('SELECT 1 FROM claim_tokens WHERE name = ?').get(c.tokenName)) throw claimTokenNotFound(c.tokenName)
          throw new HubError('HUB_CLAIM_TOKEN_USED_UP', `claim token ${JSON.stringify(c.tokenName)} has no uses left`)
        }
        // devices and subscribers share the broker's username namespace
        if (this.q.stmt("SELECT 1 FROM credentials WHERE kind = 'subscriber' AND name = ?").get(c.deviceId) || this.q.stmt('SELECT 1 FROM devices WHERE id = ?').get(c.deviceId)) {
          throw new HubError('HUB_DEVICE_EXISTS', `device id ${JSON.stringify(c.deviceId)} is already taken`)
        }
        this.q.stmt('INSERT INTO devices (id, tags, created_at, secret_hash, claim_token, serial) VALUES (?, ?, ?, ?, ?, ?)')
          .run(c.deviceId, JSON.stringify(c.tags), c.at, hash, c.tokenName, c.serial)
      }).immediate(),
    )
    return { device: (await this.findClaimedDevice(c.tokenName, c.serial))!, secret }
  }

  async reissueClaimedDevice(tokenName: string, serial: string): Promise<ClaimedDevice> {
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    const changes = this.q.exec(() => this.q.stmt('UPDATE devices SET secret_hash = ? WHERE claim_token = ? AND serial = ?').run(hash, tokenName, serial).changes)
    if (changes === 0) throw new HubError('HUB_DEVICE_NOT_FOUND', `claim token ${JSON.stringify(tokenName)} made no device for serial ${JSON.stringify(serial)}`)
    return { device: (await this.findClaimedDevice(tokenName, serial))!, secret }
  }
}
