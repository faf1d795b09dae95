import { OPERATOR_ROLES, type OperatorRole } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import { isCredentialName, requireCredentialName } from '../identifiers.ts'
import type { CredentialInfo, CredentialKind } from '../registry-store.ts'
import { generateSecret, hashSecret, verifySecret } from '../secret-hash.ts'
import { LOCK, lockName } from './pg-locks.ts'
import { isUniqueViolation, type PgQueries } from './pg-queries.ts'

const isRole = (role: unknown): role is OperatorRole => (OPERATOR_ROLES as readonly unknown[]).includes(role)

/** Subscriber and operator credentials in the PostgreSQL registry; the registry delegates to it. */
export class PgCredentials {
  constructor(private readonly q: PgQueries) {}

  async addCredential(kind: CredentialKind, name: string, role?: OperatorRole): Promise<{ name: string; secret: string }> {
    requireCredentialName(name)
    if (kind === 'operator' && !isRole(role)) {
      throw new HubError('HUB_USAGE', `an operator token needs a role, one of ${OPERATOR_ROLES.join(', ')}; got ${JSON.stringify(role)}`)
    }
    const secret = generateSecret()
    const hash = await hashSecret(secret)
    try {
      await this.q.tx(async (t) => {
        if (kind === 'subscriber') {
          // devices and subscribers share the broker's username namespace
          await lockName(t, LOCK.mqttUsername, name)
          if (await t.one('SELECT 1 FROM devices WHERE id = $1', [name])) {
            throw new HubError('HUB_CREDENTIAL_EXISTS', `MQTT username ${JSON.stringify(name)} belongs to a device: pick another subscriber name`)
          }
        }
        await t.run('INSERT INTO credentials (kind, name, secret_hash, created_at, role) VALUES ($1, $2, $3, $4, $5)', [kind, name, hash, Date.now(), kind === 'operator' ? role : null])
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw new HubError('HUB_CREDENTIAL_EXISTS', `${kind} ${JSON.stringify(name)} already exists: remove it first, or pick another name`)
      throw err
    }
    return { name, secret }
  }

  async verifyCredential(kind: CredentialKind, name: string, secret: string): Promise<boolean> {
    if (!isCredentialName(name)) return false
    const row = await this.q.one<{ secret_hash: string }>('SELECT secret_hash FROM credentials WHERE kind = $1 AND name = $2', [kind, name])
    return verifySecret(secret, row?.secret_hash ?? null)
  }

  async verifyOperatorToken(name: string, secret: string): Promise<OperatorRole | null> {
    if (!isCredentialName(name)) return null
    const row = await this.q.one<{ secret_hash: string; role: OperatorRole }>("SELECT secret_hash, role FROM credentials WHERE kind = 'operator' AND name = $1", [name])
    return (await verifySecret(secret, row?.secret_hash ?? null)) ? row!.role : null
  }

  async setOperatorRole(name: string, role: OperatorRole): Promise<boolean> {
    requireCredentialName(name)
    if (!isRole(role)) throw new HubError('HUB_USAGE', `an operator token's role is one of ${OPERATOR_ROLES.join(', ')}; got ${JSON.stringify(role)}`)
    return (await this.q.run("UPDATE credentials SET role = $1 WHERE kind = 'operator' AND name = $2", [role, name])) > 0
  }

  /** Ordered by name. */
  async listCredentials(kind: CredentialKind): Promise<CredentialInfo[]> {
    const rows = await this.q.rows<{ name: string; created_at: number; role: OperatorRole | null }>(
      'SELECT name, created_at, role FROM credentials WHERE kind = $1 ORDER BY name COLLATE "C"', [kind],
    )
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at, ...(r.role !== null ? { role: r.role } : {}) }))
  }

  async removeCredential(kind: CredentialKind, name: string): Promise<boolean> {
    requireCredentialName(name)
    return (await this.q.run('DELETE FROM credentials WHERE kind = $1 AND name = $2', [kind, name])) > 0
  }
}
