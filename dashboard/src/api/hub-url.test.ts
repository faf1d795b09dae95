import { describe, expect, it } from 'vitest'
import { apiUrl, seg } from './hub-url.ts'

describe('API URLs', () => {
  it('encode and repeat query values, leaving out undefined ones', () => {
    expect(apiUrl('/devices', { tag: ['site=lab', 'zone=a b'], online: true, x: undefined })).toBe('/api/v1/devices?tag=site%3Dlab&tag=zone%3Da+b&online=true')
    expect(apiUrl('/alerts')).toBe('/api/v1/alerts')
  })

  it('encode path segments such as versions with build metadata', () => {
    expect(apiUrl(`/models/${seg('m')}/${seg('1.0.0+b.1')}`)).toBe('/api/v1/models/m/1.0.0%2Bb.1')
  })
})
