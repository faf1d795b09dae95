import { createHmac, timingSafeEqual } from 'node:crypto'

/** The header that carries a webhook body's signature. */
export const SIGNATURE_HEADER = 'X-Edgefleet-Signature'

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes under the shared secret (as GitHub signs). */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`
}

/** For receivers: true when `header` is the signature of `body` under `secret` (constant-time compare). */
export function verifyWebhookSignature(body: string, secret: string, header: string | null | undefined): boolean {
  if (typeof header !== 'string') return false
  const expected = Buffer.from(signWebhookBody(body, secret))
  const given = Buffer.from(header)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
