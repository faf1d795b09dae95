import { describe, expect, it } from 'vitest'
import { formatOperatorToken, parseBearerAuthorization, parseOperatorToken } from './operator-token.ts'

const SECRET = 'q3VvS3dB0x_-Zk2M1n8Yt5Lr9Wc4Hj6Ep7Ua0Ib2Od1'

describe('operator tokens', () => {
  it('round-trip, even for names with dots', () => {
    for (const name of ['ci', 'ops.grafana', 'a-b_c.d']) {
      expect(parseOperatorToken(formatOperatorToken(name, SECRET))).toEqual({ name, secret: SECRET })
    }
  })

  it.each(['', 'nosecret', '.secretonly', 'name.', 'bad name.abc', 'name.abc=', 'name.a.b+c'])('refuse %j', (token) => {
    expect(parseOperatorToken(token)).toBeNull()
  })

  it('are read from a Bearer Authorization header only', () => {
    expect(parseBearerAuthorization(`Bearer ci.${SECRET}`)).toEqual({ name: 'ci', secret: SECRET })
    expect(parseBearerAuthorization(`bearer ci.${SECRET}`)).toEqual({ name: 'ci', secret: SECRET })
    expect(parseBearerAuthorization(`Basic ci.${SECRET}`)).toBeNull()
    expect(parseBearerAuthorization(undefined)).toBeNull()
    expect(parseBearerAuthorization('Bearer')).toBeNull()
  })
})
