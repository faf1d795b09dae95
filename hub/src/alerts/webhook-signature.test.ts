import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature.ts'

describe('webhook signatures', () => {
  const body = '{"v":1,"id":"al-1","message":"ünïcode"}'
  const secret = 'a-shared-secret-of-some-length'

  it('is sha256=<hex> of HMAC-SHA256 over the UTF-8 body', () => {
    const hex = createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex')
    expect(signWebhookBody(body, secret)).toBe(`sha256=${hex}`)
  })

  it('verifies the right signature only', () => {
    const signature = signWebhookBody(body, secret)
    expect(verifyWebhookSignature(body, secret, signature)).toBe(true)
    expect(verifyWebhookSignature(`${body} `, secret, signature)).toBe(false)
    expect(verifyWebhookSignature(body, `${secret}x`, signature)).toBe(false)
    expect(verifyWebhookSignature(body, secret, signature.slice(0, -1))).toBe(false)
    expect(verifyWebhookSignature(body, secret, undefined)).toBe(false)
  })
})
