import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { readTrustedCa, tlsFailure } from './hub-tls.ts'

const url = 'mqtts://hub.example.org:8883'

describe('tlsFailure', () => {
  it('names an untrusted certificate and says to give the CA with --ca', () => {
    const err = tlsFailure(Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), url, false)
    expect(err).toMatchObject({ code: 'AGENT_HUB_TLS_FAILED', message: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE.*--ca FILE/) })
    expect(tlsFailure({ code: 'SELF_SIGNED_CERT_IN_CHAIN' }, url, true)?.message).toMatch(/the CA given with --ca did not sign/)
  })

  it('finds the code in a fetch error\'s cause, and a WebSocket handshake\'s in its message', () => {
    const fetchErr = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }) })
    expect(tlsFailure(fetchErr, 'https://10.0.0.5:8080/x', true)?.message).toMatch(/does not name 10\.0\.0\.5/)
    expect(tlsFailure(new Error('self-signed certificate in certificate chain'), 'wss://h/mqtt', false)?.code).toBe('AGENT_HUB_TLS_FAILED')
  })

  it('leaves other errors alone (they are retried)', () => {
    expect(tlsFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), url, false)).toBeUndefined()
    expect(tlsFailure(new Error('connack timeout'), url, false)).toBeUndefined()
  })
})

describe('readTrustedCa', () => {
  it('reads a PEM certificate file and refuses anything else with AGENT_USAGE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-ca-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n')
    expect(await readTrustedCa(join(dir, 'ca.crt'))).toContain('BEGIN CERTIFICATE')
    await expect(readTrustedCa(join(dir, 'key.pem'))).rejects.toMatchObject({ code: 'AGENT_USAGE', message: expect.stringMatching(/no PEM certificate/) })
    await expect(readTrustedCa(join(dir, 'missing.crt'))).rejects.toMatchObject({ code: 'AGENT_USAGE', message: expect.stringMatching(/cannot read --ca/) })
  })
})
