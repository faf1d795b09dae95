import { describe, expect, it } from 'vitest'
import { generateSecret, hashSecret, verifySecret } from './secret-hash.ts'

describe('secret hashing', () => {
  it('stores a salted scrypt hash that names its parameters, never the secret', async () => {
    const secret = generateSecret()
    const [h1, h2] = [await hashSecret(secret), await hashSecret(secret)]
    expect(h1).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(h1).not.toBe(h2) // a fresh salt each time
    expect(h1).not.toContain(secret)
    expect(await verifySecret(secret, h1)).toBe(true)
    expect(await verifySecret(secret, h2)).toBe(true)
    expect(await verifySecret(generateSecret(), h1)).toBe(false)
  })

  it('answers false for an unknown identity and for a malformed stored hash', async () => {
    const secret = generateSecret()
    const good = await hashSecret(secret)
    expect(await verifySecret(secret, null)).toBe(false)
    for (const bad of ['', 'plain', good.replace('scrypt', 'bcrypt'), good.replace('$16384$', '$1000$'), good.split('$').slice(0, 5).join('$')]) {
      expect(await verifySecret(secret, bad), bad).toBe(false)
    }
  })
})
