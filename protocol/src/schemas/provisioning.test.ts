import { describe, expect, it } from 'vitest'
import { decodeJson, validators } from '../codec.ts'
import { ErrorCodes, ProvisionRefusalCodes } from '../errors.ts'

const PEM = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n'

describe('provisioning payloads', () => {
  it('a request carries a printable serial and optionally the agent version', () => {
    expect(validators.provisionRequest.check({ v: 1, serial: '0123456789abcdef' })).toBe(true)
    expect(validators.provisionRequest.check({ v: 1, serial: 'SN:42/B', agentVersion: '0.9.0' })).toBe(true)
    for (const bad of [{ v: 1 }, { v: 1, serial: '' }, { v: 1, serial: 'has space' }, { v: 1, serial: 'x'.repeat(129) }, { v: 2, serial: 'a' }, { v: 1, serial: 'a', extra: 1 }]) {
      expect(validators.provisionRequest.check(bad), JSON.stringify(bad)).toBe(false)
    }
  })

  it('an answer is an identity with the hub key, or a coded refusal', () => {
    const ok = { v: 1, ok: true, deviceId: 'sensor-a1', secret: 's3cret', hubPublicKey: { alg: 'ed25519', keyId: 'k1', pem: PEM }, reissued: false }
    expect(validators.provisionResponse.parse(decodeJson(JSON.stringify(ok)))).toEqual(ok)
    expect(validators.provisionResponse.check({ v: 1, ok: false, code: 'PROVISION_TOKEN_USED_UP', message: 'ask for a new token' })).toBe(true)
    expect(validators.provisionResponse.check({ v: 1, ok: false, code: 'AGENT_QUEUE_FULL', message: 'x' })).toBe(false)
    expect(validators.provisionResponse.check({ ...ok, deviceId: '_claim:x' })).toBe(false)
    expect(validators.provisionResponse.check({ ...ok, code: 'PROVISION_FAILED' })).toBe(false)
  })

  it('refusal codes are wire error codes', () => {
    for (const code of ProvisionRefusalCodes) expect(ErrorCodes).toContain(code)
  })
})
