import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Secrets for devices, subscribers and operators: 32 random bytes shown once, stored only as a salted
 * scrypt hash in the self-describing format `scrypt$N$r$p$<salt>$<hash>` (salt 16 bytes, hash 32
 * bytes, both base64url), so parameters can be raised later without invalidating stored hashes.
 *
 * Cost: N=16384, r=8, p=1 uses 16 MiB and takes ~40 ms per hash on one core (measured on the
 * development machine, Node 20). It runs on libuv's thread pool, so the event loop stays free, but a
 * reconnect storm is bounded by pool size × 25 verifications/s: callers may cache a positive result
 * for the life of a connection (never a negative one, and never across a secret rotation).
 */

const PARAMS = { N: 16384, r: 8, p: 1 } as const
const SALT_BYTES = 16
const HASH_BYTES = 32
const SECRET_BYTES = 32
/** scrypt needs 128·N·r bytes; leave headroom above Node's 32 MiB default for stored N up to 2^17 */
const MAX_MEM = 256 * 1024 * 1024

/**
 * Verified against when the identity is unknown, so that an unknown id costs the same scrypt work as
 * a known one (no timing oracle for which ids exist). No secret hashes to it.
 */
const DUMMY = parseHash(`scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${'A'.repeat(22)}$${'A'.repeat(43)}`)!

/** A fresh secret: 32 random bytes, base64url (43 characters, no padding). */
export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url')
}

/** Hashes `secret` with a fresh random salt, in the `scrypt$N$r$p$salt$hash` format. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await derive(secret, salt, PARAMS)
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

/**
 * Constant-time check of `secret` against a stored hash. Pass `null` for an unknown identity: the
 * same work is done against a dummy hash and the answer is false. A malformed stored hash is false.
 */
export async function verifySecret(secret: string, stored: string | null): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored)
  const target = parsed ?? DUMMY
  const actual = await derive(secret, target.salt, target.params, target.hash.length)
  return timingSafeEqual(actual, target.hash) && parsed !== null
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

function derive(secret: string, salt: Buffer, params: ScryptOptions, length = HASH_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { ...params, maxmem: MAX_MEM }, (err, key) => (err ? reject(err) : resolve(key)))
  })
}
