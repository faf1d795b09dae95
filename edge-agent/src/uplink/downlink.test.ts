import { describe, expect, it } from 'vitest'
import { decodeDownlink } from './downlink.ts'

const command = { v: 1, id: 'cmd-1', ts: 1_764_300_000_000, cmd: { type: 'resend', fromSeq: 40 } }

describe('decodeDownlink', () => {
  it('accepts a valid command on the device\'s own cmd topic', () => {
    expect(decodeDownlink('pi-01', 'ef/v1/dev/pi-01/cmd', Buffer.from(JSON.stringify(command)))).toEqual({ channel: 'cmd', value: command })
  })
  it('names what is wrong with an invalid one', () => {
    expect(decodeDownlink('pi-01', 'ef/v1/dev/pi-01/cmd', Buffer.from('{"v":1}'))).toMatchObject({ error: expect.stringMatching(/invalid command/) })
    expect(decodeDownlink('pi-01', 'ef/v1/dev/pi-01/desired', Buffer.from([0xff]))).toMatchObject({ error: expect.stringMatching(/UTF-8/) })
  })
  it('refuses another device\'s topic, and treats a cleared retained message as nothing', () => {
    expect(decodeDownlink('pi-01', 'ef/v1/dev/pi-02/cmd', Buffer.from(JSON.stringify(command)))).toMatchObject({ error: expect.stringMatching(/unexpected topic/) })
    expect(decodeDownlink('pi-01', 'ef/v1/dev/pi-01/desired', new Uint8Array())).toBeUndefined()
  })
})
