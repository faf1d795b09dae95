import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { agentPageUrl, provisioningLink } from './provisioning-link.ts'

const { publicKey } = generateKeyPairSync('ed25519')
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()

describe('provisioningLink', () => {
  it('puts the credentials and the hub key in the fragment of the /agent page', () => {
    const link = new URL(provisioningLink('http://192.168.1.20:8080', { deviceId: 'phone-1', secret: 's3cr+t/=', publicKeyPem }))
    expect(`${link.origin}${link.pathname}${link.search}`).toBe('http://192.168.1.20:8080/agent')
    const fragment = new URLSearchParams(link.hash.slice(1))
    expect(fragment.get('device')).toBe('phone-1')
    expect(fragment.get('secret')).toBe('s3cr+t/=')
    const key = createPublicKey({ key: Buffer.from(fragment.get('key')!, 'base64url'), format: 'der', type: 'spki' })
    expect(key.export({ type: 'spki', format: 'pem' }).toString()).toBe(publicKeyPem)
  })

  it('keeps a proxy\'s path and refuses what is not a base URL', () => {
    expect(agentPageUrl('https://fleet.example.com/hub').href).toBe('https://fleet.example.com/hub/agent')
    expect(agentPageUrl('https://fleet.example.com/hub/').href).toBe('https://fleet.example.com/hub/agent')
    expect(() => agentPageUrl('192.168.1.20:8080')).toThrow(/http:\/\/ or https:\/\/|not a URL/)
    expect(() => agentPageUrl('mqtt://hub:1883')).toThrow(/http:\/\/ or https:\/\//)
    expect(() => agentPageUrl('http://hub/#x')).toThrow(/without a query or fragment/)
  })
})
