import { describe, expect, it } from 'vitest'
import { device } from '../test-fixtures.ts'
import { decodeLiveEvent, LIVE_EVENT_TYPES } from './live-events.ts'

describe('live event frames', () => {
  it('decodes each known type with its body', () => {
    expect(decodeLiveEvent('ready', '{"at":1,"hubVersion":"0.1.0"}')).toEqual({ type: 'ready', body: { at: 1, hubVersion: '0.1.0' } })
    const d = device('pi-01')
    expect(decodeLiveEvent('device', JSON.stringify({ device: d }))).toEqual({ type: 'device', body: { device: d } })
  })

  it('skips frames of unknown types, without a type, or with bodies that are not the expected JSON', () => {
    expect(decodeLiveEvent('telemetry', '{"telemetry":{}}')).toBeNull()
    expect(decodeLiveEvent(undefined, '{"device":{}}')).toBeNull()
    expect(decodeLiveEvent('device', 'not json')).toBeNull()
    expect(decodeLiveEvent('device', '{"alert":{}}')).toBeNull()
    expect(decodeLiveEvent('alert', 'null')).toBeNull()
  })

  it("knows the protocol's event types", () => {
    expect([...LIVE_EVENT_TYPES].sort()).toEqual(['alert', 'deploy', 'device', 'job', 'model', 'ready', 'rollout'])
  })
})
