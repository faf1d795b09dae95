import { createHash, randomBytes, scrypt } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateSecret, hashSecret, verifySecret } from './secret-hash.ts'

describe('secret hashing', () => {
  it('stores a salted SHA-256 hash, never the secret', async () => {
    const secret = generateSecret()
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const [h1, h2] = [await hashSecret(secret), await hashSecret(secret)]
    expect(h1).toMatch(/^sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(h1).not.toBe(h2) // a fresh salt each time
    expect(h1).not.toContain(secret)
    expect(await verifySecret(secret, h1)).toBe(true)
    expect(await verifySecret(secret, h2)).toBe(true)
    expect(await verifySecret(generateSecret(), h1)).toBe(false)
  })

  it('still verifies hashes in the scrypt format first shipped', async () => {
    const secret = generateSecret()
    const salt = randomBytes(16)
    const hash = await new Promise<Buffer>((resolve, reject) => scrypt(secret, salt, 32, { N: 16384, r: 8, p: 1 }, (e, k) => (e ? reject(e) : resolve(k))))
    const stored = `scrypt$16384$8$1$${salt.toString('base64url')}$${hash.toString('base64url')}`
    expect(await verifySecret(secret, stored)).toBe(true)
    expect(await verifySecret(generateSecret(), stored)).toBe(false)
  })

  it('answers false for an unknown identity and for a malformed stored hash', async () => {
    const secret = generateSecret()
    const good = await hashSecret(secret)
    const otherSalt = `sha256$${randomBytes(16).toString('base64url')}$${good.split('$')[2]}`
    const sha = createHash('sha256').update(secret).digest('base64url')
    expect(await verifySecret(secret, null)).toBe(false)
    for (const bad of ['', 'plain', good.replace('sha256', 'md5'), good.split('$').slice(0, 2).join('$'), otherSalt, `sha256$$${sha}`.replace('$$', '$x$'), 'scrypt$1000$8$1$AAAA$AAAA']) {
      expect(await verifySecret(secret, bad), bad).toBe(false)
    }
  })
})
