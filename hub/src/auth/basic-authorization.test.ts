import { describe, expect, it } from 'vitest'
import { parseBasicAuthorization } from './basic-authorization.ts'

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`

describe('parseBasicAuthorization', () => {
  it('splits id and secret at the first colon', () => {
    expect(parseBasicAuthorization(basic('pi-01:s3cr:et'))).toEqual({ deviceId: 'pi-01', secret: 's3cr:et' })
    expect(parseBasicAuthorization(`basic  ${Buffer.from('pi-01:x').toString('base64')}`)).toEqual({ deviceId: 'pi-01', secret: 'x' })
  })

  it('is null for anything else', () => {
    for (const header of [undefined, '', 'Bearer ops.abc', basic('no-colon'), basic(':secret'), 'Basic !!!']) {
      expect(parseBasicAuthorization(header), String(header)).toBeNull()
    }
  })
})
