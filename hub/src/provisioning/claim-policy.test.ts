import { isDeviceId } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import type { ClaimTokenRecord } from '../registry/claim-store.ts'
import { decideClaim, deviceIdFor, isClaimPrefix } from './claim-policy.ts'

const NOW = 1_800_000_000_000
const token = (o: Partial<ClaimTokenRecord> = {}): ClaimTokenRecord => ({
  name: 'batch-7', prefix: 'sensor', tags: { site: 'lab' }, maxUses: 3, uses: 0, expiresAt: null, revokedAt: null, createdAt: NOW - 1000, ...o,
})

describe('claim policy', () => {
  it('creates <prefix>-<serial> with the token’s tags while uses remain', () => {
    expect(decideClaim({ token: token({ uses: 2 }), serial: 'A1', existing: null, now: NOW })).toEqual({ action: 'create', deviceId: 'sensor-A1', tags: { site: 'lab' } })
    expect(decideClaim({ token: token({ maxUses: null, uses: 10_000 }), serial: 'A1', existing: null, now: NOW })).toMatchObject({ action: 'create' })
  })

  it('refuses a used-up, expired, revoked or vanished token with its code', () => {
    const refusal = (t: ClaimTokenRecord | null) => decideClaim({ token: t, serial: 'A1', existing: null, now: NOW })
    expect(refusal(token({ uses: 3 }))).toMatchObject({ action: 'refuse', code: 'PROVISION_TOKEN_USED_UP' })
    expect(refusal(token({ expiresAt: NOW }))).toMatchObject({ action: 'refuse', code: 'PROVISION_TOKEN_EXPIRED' })
    expect(refusal(token({ expiresAt: NOW + 1 }))).toMatchObject({ action: 'create' })
    expect(refusal(token({ revokedAt: NOW - 5 }))).toMatchObject({ action: 'refuse', code: 'PROVISION_TOKEN_REVOKED' })
    expect(refusal(null)).toMatchObject({ action: 'refuse', code: 'PROVISION_TOKEN_UNKNOWN' })
    const used = refusal(token({ uses: 3 }))
    expect(used.action === 'refuse' && used.message).toMatch(/new token/)
  })

  it('gives a serial that claimed before its device again, even with no use left, and counts no use', () => {
    const existing = { id: 'sensor-A1', revokedAt: null }
    expect(decideClaim({ token: token({ uses: 3 }), serial: 'A1', existing, now: NOW })).toEqual({ action: 'reissue', deviceId: 'sensor-A1' })
  })

  it('does not reissue to a revoked device, nor through an expired or revoked token', () => {
    expect(decideClaim({ token: token(), serial: 'A1', existing: { id: 'sensor-A1', revokedAt: NOW - 1 }, now: NOW })).toMatchObject({ code: 'PROVISION_DEVICE_REVOKED' })
    expect(decideClaim({ token: token({ revokedAt: 1 }), serial: 'A1', existing: { id: 'sensor-A1', revokedAt: null }, now: NOW })).toMatchObject({ code: 'PROVISION_TOKEN_REVOKED' })
    expect(decideClaim({ token: token({ expiresAt: 1 }), serial: 'A1', existing: { id: 'sensor-A1', revokedAt: null }, now: NOW })).toMatchObject({ code: 'PROVISION_TOKEN_EXPIRED' })
  })
})

describe('device ids from serials', () => {
  it('keep a clean serial as it is and replace what a device id cannot hold', () => {
    expect(deviceIdFor('sensor', '0123abcd')).toBe('sensor-0123abcd')
    expect(deviceIdFor('sensor', 'SN:42/B')).toBe('sensor-SN-42-B')
    expect(deviceIdFor('sensor', '--x--')).toBe('sensor-x')
  })

  it('are always valid device ids, and long serials keep a hash so they still differ', () => {
    const long = (tail: string) => `${'7'.repeat(100)}${tail}`
    const a = deviceIdFor('p'.repeat(48), long('a'))
    const b = deviceIdFor('p'.repeat(48), long('b'))
    expect(a).not.toBe(b)
    for (const id of [a, b, deviceIdFor('s', '///'), deviceIdFor('s', 'é'.repeat(5)), deviceIdFor('sensor', 'x'.repeat(128))]) {
      expect(isDeviceId(id), id).toBe(true)
    }
    expect(deviceIdFor('s', '///')).toMatch(/^s-[0-9a-f]{8}$/)
  })

  it('prefixes: 1–48 characters of a device id', () => {
    expect(isClaimPrefix('sensor')).toBe(true)
    expect(isClaimPrefix('p'.repeat(48))).toBe(true)
    for (const bad of ['', '_x', '-x', 'a/b', 'p'.repeat(49)]) expect(isClaimPrefix(bad), bad).toBe(false)
  })
})
