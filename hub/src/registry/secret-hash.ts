import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Secrets for devices, subscribers and operators: 32 random bytes shown once, stored only as a salted
 * hash in a self-describing format.
 *
 * New hashes are `sha256$<salt>$<hash>` (SHA-256 over salt ‖ secret). Every secret is generated here
 * with 256 bits of entropy, so a slow password KDF buys nothing against guessing (2^256 candidates)
 * while it costs ~40 ms of CPU per connect: a hub restart with 5 000 devices reconnecting would spend
 * minutes in scrypt. SHA-256 verifies in microseconds. `scrypt$N$r$p$<salt>$<hash>` hashes (N=16384,
 * r=8, p=1, as first shipped) still verify, so stored credentials keep working.
 */

const SALT_BYTES = 16
const SECRET_BYTES = 32
/** scrypt needs 128·N·r bytes; leave headroom above Node's 32 MiB default for stored N up to 2^17 */
const MAX_MEM = 256 * 1024 * 1024


/** A fresh secret: 32 random bytes, base64url (43 characters, no padding). */
export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url')
}

/** Hashes `secret` with a fresh random salt, in the `sha256$salt$hash` format. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  return `sha256$${salt.toString('base64url')}$${sha256(salt, secret).toString('base64url')}`
}

/**
 * Constant-time check of `secret` against a stored hash. Pass `null` for an unknown identity: the
 * same work is done against a dummy hash and the answer is false. A malformed stored hash is false.
 */
export async function verifySecret(secret: string, stored: string | null): Promise<boolean> {
  if (stored?.startsWith('sha256$')) {
    const [, salt, hash] = stored.split('$')
    const saltBytes = Buffer.from(salt ?? '', 'base64url')
    const expected = Buffer.from(hash ?? '', 'base64url')
    const actual = sha256(saltBytes, secret)
    return saltBytes.length === SALT_BYTES && expected.length === actual.length && timingSafeEqual(actual, expected)
  }
  const parsed = stored === null ? null : parseHash(stored)
  if (stored === null) {
    // unknown identity: the same (cheap) work as a known one, then false
    timingSafeEqual(sha256(DUMMY_SALT, secret), sha256(DUMMY_SALT, ''))
    return false
  }
  if (!parsed) return false
  const actual = await derive(secret, parsed.salt, parsed.params, parsed.hash.length)
  return timingSafeEqual(actual, parsed.hash)
}

const DUMMY_SALT = Buffer.alloc(SALT_BYTES)

function sha256(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret, 'utf8').digest()
}

interface ParsedHash {
  params: { N: number; r: number; p: number }
  salt: Buffer
  hash: Buffer
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || (N & (N - 1)) !== 0 || 128 * N * r > MAX_MEM) return null
  const salt = Buffer.from(parts[4]!, 'base64url')
  const hash = Buffer.from(parts[5]!, 'base64url')
  if (salt.length === 0 || hash.length < 16 || hash.length > 64) return null
  return { params: { N, r, p }, salt, hash }
}

function derive(secret: string, salt: Buffer, params: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { ...params, maxmem: MAX_MEM }, (err, key) => (err ? reject(err) : resolve(key)))
  })
}
