import { alertExample, parseAlertTopic } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { alertTopicOf, parseAlert } from './alert-checks.ts'

describe('parseAlert', () => {
  it('accepts the protocol example and returns it', () => {
    expect(parseAlert(alertExample)).toBe(alertExample)
  })

  it.each([
    ['not an alert', { v: 1 }, /invalid alert/],
    ['an unknown kind', { ...alertExample, kind: 'vibes' }, /\/kind/],
    ['a device alert without its device', { ...alertExample, deviceId: undefined }, /needs its deviceId/],
    ['a fleet alert with a device', { ...alertExample, scope: 'fleet' }, /has no deviceId/],
  ])('refuses %s with HUB_ALERT_INVALID', (_what, value, message) => {
    const v = JSON.parse(JSON.stringify(value)) as unknown
    expect(() => parseAlert(v)).toThrow(expect.objectContaining({ code: 'HUB_ALERT_INVALID', statusCode: 400, message: expect.stringMatching(message) }))
  })
})

describe('alertTopicOf', () => {
  it('names the device, or _fleet for fleet alerts', () => {
    expect(alertTopicOf(alertExample)).toBe('ef/v1/alerts/drift/gas-sensor/pi-kitchen-01/data-drift')
    const { deviceId: _, ...fleet } = { ...alertExample, scope: 'fleet' as const, kind: 'confidence-drop' as const }
    expect(parseAlertTopic(alertTopicOf(fleet))).toEqual({ model: 'gas-sensor', deviceId: null, kind: 'confidence-drop' })
  })
})
