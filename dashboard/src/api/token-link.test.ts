import { describe, expect, it } from 'vitest'
import { takeLinkToken, tokenFromFragment } from './token-link.ts'

describe('sign-in link', () => {
  it('reads the token from the fragment', () => {
    expect(tokenFromFragment('#token=ops.s3cr-et_X')).toBe('ops.s3cr-et_X')
    expect(tokenFromFragment('token=ops.s3cret')).toBe('ops.s3cret')
    // percent-encoded (as a shell or a mail client may leave it), and with later parameters ignored
    expect(tokenFromFragment('#token=ops%2Ebad%20')).toBe('ops.bad')
    expect(tokenFromFragment('#token=ops.abc&next=%2Ffleet')).toBe('ops.abc')
    // base64url secrets hold no `+`; if one comes, it stays a `+` (not a space, as in a query string)
    expect(tokenFromFragment('#token=ops.a+b')).toBe('ops.a+b')
  })

  it('hands on a malformed or empty token, for the sign-in form to refuse with its usual message', () => {
    expect(tokenFromFragment('#token=ops.%E0%A4%A')).toBe('ops.%E0%A4%A')
    expect(tokenFromFragment('#token=')).toBe('')
  })

  it('is not a route, and a route is not a link', () => {
    expect(tokenFromFragment('')).toBeNull()
    expect(tokenFromFragment('#/fleet')).toBeNull()
    expect(tokenFromFragment('#/devices/token=x')).toBeNull()
    expect(tokenFromFragment('#tokens=ops.x')).toBeNull()
  })

  it('takes the token out of the address without adding a history entry', () => {
    const replaced: unknown[][] = []
    const hist = { state: { kept: true }, replaceState: (...args: unknown[]) => void replaced.push(args) }
    expect(takeLinkToken({ hash: '#token=ops.abc', pathname: '/', search: '?x=1' }, hist)).toBe('ops.abc')
    expect(replaced).toEqual([[{ kept: true }, '', '/?x=1']])
    // an ordinary address is left alone
    expect(takeLinkToken({ hash: '#/alerts', pathname: '/', search: '' }, hist)).toBeNull()
    expect(replaced).toHaveLength(1)
  })
})
