import { describe, expect, it } from 'vitest'
import { parseInfluxUrl } from './influx-url.ts'

describe('parseInfluxUrl', () => {
  it('reads host, port, database and credentials, and hides the password in messages', () => {
    expect(parseInfluxUrl('http://127.0.0.1:8086/edgefleet')).toEqual({
      protocol: 'http', host: '127.0.0.1', port: 8086, database: 'edgefleet', display: 'http://127.0.0.1:8086/edgefleet',
    })
    expect(parseInfluxUrl('https://hub:s%40cret@influx.example/edge_fleet-1/')).toMatchObject({
      protocol: 'https', host: 'influx.example', port: 443, database: 'edge_fleet-1', username: 'hub', password: 's@cret',
      display: 'https://hub:***@influx.example/edge_fleet-1',
    })
  })

  it.each(['influx://127.0.0.1/db', 'http://127.0.0.1:8086', 'http://127.0.0.1:8086/a/b', 'http://127.0.0.1:8086/a%20b', 'not a url'])(
    'refuses %s with an example',
    (url) => {
      expect(() => parseInfluxUrl(url)).toThrow(expect.objectContaining({ code: 'HUB_CONFIG_INVALID', message: expect.stringContaining('http://127.0.0.1:8086/edgefleet') }))
    },
  )
})
