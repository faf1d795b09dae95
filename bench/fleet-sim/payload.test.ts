import { decodeChannel, ProtocolError } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { malformedPayload, predictionsBuilder, stampOf, statusPayload } from './payload.ts'

describe('simulated device payloads', () => {
  it('builds protocol-valid Predictions carrying the seq, timestamp and send stamp given', () => {
    const build = predictionsBuilder('sim-00042', 3)
    const payload = build(17, 1_790_000_000_456, '123456789012')
    const message = decodeChannel('pred', payload)
    expect(message).toMatchObject({ deviceId: 'sim-00042', seq: 17, ts: 1_790_000_000_456 })
    expect(message.items.map((i) => i.id)).toEqual(['123456789012-0', '123456789012-1', '123456789012-2'])
    expect(message.items.every((i) => i.ts === 1_790_000_000_456)).toBe(true)
    expect(stampOf(payload)).toBe('123456789012')
    expect(decodeChannel('pred', build(18, 1_790_000_001_456, '9')).seq).toBe(18)
  })

  it('makes malformed payloads the protocol refuses, both kinds', () => {
    for (const n of [0, 1]) expect(() => decodeChannel('pred', malformedPayload('sim-1', n))).toThrow(ProtocolError)
    expect(stampOf(malformedPayload('sim-1', 1))).toBeUndefined()
  })

  it('makes valid retained statuses and last wills', () => {
    expect(decodeChannel('status', statusPayload('sim-1', 'online', 60)).state).toBe('online')
    expect(decodeChannel('status', statusPayload('sim-1', 'offline', 60)).state).toBe('offline')
  })
})
