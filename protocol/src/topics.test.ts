import { describe, expect, it } from 'vitest'
import {
  alertFilters, alertTopic, allDevicesFilter, claimUsername, deviceTopic, isClaimClientId, isDeviceId, isValidTopicFilter,
  isValidTopicName, parseAlertTopic, parseClaimUsername, parseDeviceTopic, parseProvisionTopic, provisionTopic, sensorFilter,
  sensorTopic, topicMatches,
} from './topics.ts'

describe('device topics', () => {
  it('builds and parses every channel', () => {
    for (const channel of ['status', 'pred', 'drift', 'samples', 'labels', 'events'] as const) {
      const topic = deviceTopic('pi-01', channel)
      expect(topic).toBe(`ef/v1/dev/pi-01/${channel}`)
      expect(parseDeviceTopic(topic)).toEqual({ deviceId: 'pi-01', channel, direction: 'uplink' })
    }
    for (const channel of ['desired', 'cmd'] as const) {
      expect(parseDeviceTopic(deviceTopic('pi-01', channel))).toEqual({ deviceId: 'pi-01', channel, direction: 'downlink' })
    }
  })
  it('refuses ids that would break the topic tree', () => {
    for (const bad of ['', 'a/b', 'dev+', 'dev#', '_fleet', 'x'.repeat(65), 'caf\u00e9', 'a\u0000b']) {
      expect(() => deviceTopic(bad, 'pred')).toThrow(TypeError)
    }
  })
  it('parses only concrete edgefleet device topics', () => {
    for (const bad of ['ef/v1/dev/+/pred', 'ef/v2/dev/a/pred', 'ef/v1/dev/a/unknown', 'ef/v1/dev/a/pred/x', 'ef/v1/dev/_fleet/pred', '']) {
      expect(parseDeviceTopic(bad)).toBeNull()
    }
  })
  it('the hub filter for a channel matches every device and nothing else', () => {
    const filter = allDevicesFilter('pred')
    expect(topicMatches(filter, deviceTopic('a', 'pred'))).toBe(true)
    expect(topicMatches(filter, deviceTopic('a', 'drift'))).toBe(false)
  })
})

describe('alert topics', () => {
  const deviceAlert = alertTopic({ model: 'gas-sensor', deviceId: 'pi-01', kind: 'data-drift' })
  const otherDevice = alertTopic({ model: 'gas-sensor', deviceId: 'pi-02', kind: 'data-drift' })
  const otherModel = alertTopic({ model: 'ultraface', deviceId: 'pi-01', kind: 'confidence-drop' })
  const fleetAlert = alertTopic({ model: 'gas-sensor', deviceId: null, kind: 'prediction-drift' })

  it('round-trips, including fleet scope', () => {
    expect(fleetAlert).toBe('ef/v1/alerts/drift/gas-sensor/_fleet/prediction-drift')
    expect(parseAlertTopic(fleetAlert)).toEqual({ model: 'gas-sensor', deviceId: null, kind: 'prediction-drift' })
    expect(parseAlertTopic(deviceAlert)).toEqual({ model: 'gas-sensor', deviceId: 'pi-01', kind: 'data-drift' })
    expect(parseAlertTopic('ef/v1/alerts/gas-sensor/pi-01/data-drift')).toBeNull()
  })
  it('a subscriber takes all, one model or one device with standard wildcards', () => {
    const all = [deviceAlert, otherDevice, otherModel, fleetAlert]
    expect(all.filter((t) => topicMatches(alertFilters.all(), t))).toEqual(all)
    expect(all.filter((t) => topicMatches(alertFilters.drift(), t))).toEqual(all)
    expect(topicMatches(alertFilters.drift(), 'ef/v1/alerts/rollout/gas-sensor/_fleet/aborted')).toBe(false)
    expect(all.filter((t) => topicMatches(alertFilters.model('gas-sensor'), t))).toEqual([deviceAlert, otherDevice, fleetAlert])
    expect(all.filter((t) => topicMatches(alertFilters.device('pi-01'), t))).toEqual([deviceAlert, otherModel])
    expect(all.filter((t) => topicMatches(alertFilters.fleet('gas-sensor'), t))).toEqual([fleetAlert])
  })
  it('device topics never match alert filters', () => {
    expect(topicMatches(alertFilters.all(), deviceTopic('pi-01', 'status'))).toBe(false)
  })
})

describe('sensor topics', () => {
  it('one device filter matches each of its sensors', () => {
    expect(topicMatches(sensorFilter('pi-01'), sensorTopic('pi-01', 'mox-array'))).toBe(true)
    expect(topicMatches(sensorFilter('pi-01'), sensorTopic('pi-02'))).toBe(false)
  })
})

describe('MQTT topic rules', () => {
  it('matches per MQTT 4.7', () => {
    expect(topicMatches('a/#', 'a')).toBe(true)
    expect(topicMatches('a/+', 'a/b/c')).toBe(false)
    expect(topicMatches('#', '$SYS/x')).toBe(false)
    expect(topicMatches('+/b', '/b')).toBe(true)
  })
  it('validates filters and names', () => {
    for (const ok of ['a/+/c', '#', 'a/#', '+']) expect(isValidTopicFilter(ok)).toBe(true)
    for (const bad of ['a+/b', 'a/+b', 'a#', 'a/#/b', '', 'a\u0000']) expect(isValidTopicFilter(bad)).toBe(false)
    expect(isValidTopicName('a/b')).toBe(true)
    for (const bad of ['a/+', '#', '', 'a\u0000b']) expect(isValidTopicName(bad)).toBe(false)
  })
})

describe('provisioning topics and claim user names', () => {
  it('builds and parses a claim connection’s request and response topics', () => {
    expect(provisionTopic('claim-1', 'request')).toBe('ef/v1/provision/claim-1/request')
    expect(parseProvisionTopic(provisionTopic('claim-1', 'response'))).toEqual({ clientId: 'claim-1', kind: 'response' })
    for (const bad of ['ef/v1/provision/+/request', 'ef/v1/provision/a/other', 'ef/v1/provision/a/request/x', 'ef/v1/dev/a/pred', 'ef/v1/provision/_x/request']) {
      expect(parseProvisionTopic(bad), bad).toBeNull()
    }
    for (const bad of ['', 'a/b', '+', '#', '_claim']) expect(() => provisionTopic(bad, 'request')).toThrow(TypeError)
    expect(isClaimClientId('claim-0b7c')).toBe(true)
    expect(isClaimClientId('')).toBe(false)
  })
  it('claim user names never collide with device ids', () => {
    expect(claimUsername('batch-7')).toBe('_claim:batch-7')
    expect(parseClaimUsername('_claim:batch-7')).toBe('batch-7')
    expect(isDeviceId(claimUsername('batch-7'))).toBe(false)
    for (const other of ['batch-7', '_claim:', '_claim:a/b', '_claim:_x', 'pi-01']) expect(parseClaimUsername(other), other).toBeNull()
    expect(() => claimUsername('a:b')).toThrow(TypeError)
  })
})
