import { describe, expect, it } from 'vitest'
import { device, deviceEvent, rolloutEvent, rollout } from '../test-fixtures.ts'
import { applyDeviceEvents, driftOf, fleetFromList, fleetSummary, selectDevices } from './fleet-store.ts'

const list = (...devices: ReturnType<typeof device>[]) => fleetFromList({ devices, total: devices.length, online: devices.filter((d) => d.online).length })

describe('fleet store', () => {
  it('puts a device event in place of the device, and adds a device it has not seen', () => {
    const fleet = list(device('pi-01', { online: true }), device('pi-02'))
    const next = applyDeviceEvents(fleet, [deviceEvent(device('pi-01', { online: false })), deviceEvent(device('pi-03'))])
    expect(next.devices.get('pi-01')?.online).toBe(false)
    expect([...next.devices.keys()].sort()).toEqual(['pi-01', 'pi-02', 'pi-03'])
    expect(fleet.devices.get('pi-01')?.online).toBe(true)
  })

  it('keeps the same state object when a batch holds no device event (no re-render)', () => {
    const fleet = list(device('pi-01'))
    expect(applyDeviceEvents(fleet, [rolloutEvent(rollout('r1'))])).toBe(fleet)
  })

  it('applies the last of several events for one device', () => {
    const fleet = list(device('pi-01'))
    const next = applyDeviceEvents(fleet, [deviceEvent(device('pi-01', { lastSeen: 5 })), deviceEvent(device('pi-01', { lastSeen: 9 }))])
    expect(next.devices.get('pi-01')?.lastSeen).toBe(9)
  })

  it('filters by exact k=v tags (every term must match) and by online state, in natural id order', () => {
    const fleet = list(
      device('pi-10', { tags: { site: 'lab', zone: 'a' } }),
      device('pi-2', { tags: { site: 'lab', zone: 'b' }, online: false }),
      device('pi-1', { tags: { site: 'plant' } }),
    )
    expect(selectDevices(fleet, { tagText: '', show: 'all' }).map((d) => d.id)).toEqual(['pi-1', 'pi-2', 'pi-10'])
    expect(selectDevices(fleet, { tagText: 'site=lab', show: 'all' }).map((d) => d.id)).toEqual(['pi-2', 'pi-10'])
    expect(selectDevices(fleet, { tagText: 'site=lab, zone=a', show: 'all' }).map((d) => d.id)).toEqual(['pi-10'])
    expect(selectDevices(fleet, { tagText: 'site=la', show: 'all' })).toEqual([])
    expect(selectDevices(fleet, { tagText: 'site=lab', show: 'offline' }).map((d) => d.id)).toEqual(['pi-2'])
    expect(selectDevices(fleet, { tagText: '', show: 'online' }).map((d) => d.id)).toEqual(['pi-1', 'pi-10'])
  })

  it('matches a bare word against tag keys and values while the operator is still typing', () => {
    const fleet = list(device('a', { tags: { site: 'Lab' } }), device('b', { tags: { zone: 'x' } }))
    expect(selectDevices(fleet, { tagText: 'lab', show: 'all' }).map((d) => d.id)).toEqual(['a'])
    expect(selectDevices(fleet, { tagText: 'zon', show: 'all' }).map((d) => d.id)).toEqual(['b'])
  })

  it('summarises online and drifting devices', () => {
    const health = (state: 'ok' | 'drifting') => ({ at: 1, online: true, drift: { state, features: [] } })
    const devices = [
      device('a', { health: health('drifting') }),
      device('b', { online: false }),
      device('c', { health: health('ok') }),
    ]
    expect(fleetSummary(devices)).toBe('2 of 3 online · 1 drifting')
    expect(driftOf(devices[1]!)).toBe('unknown')
  })
})
