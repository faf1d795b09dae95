import { describe, expect, it } from 'vitest'
import { device, deviceEvent } from '../test-fixtures.ts'
import { applyDeviceEvents, fleetFromList } from '../state/fleet-store.ts'
import { SnapshotBuffer } from './snapshot-buffer.ts'

describe('snapshot buffer', () => {
  it('replays the changes that arrived while the snapshot loaded, so none is lost', () => {
    const buffer = new SnapshotBuffer()
    // the snapshot was taken before pi-02 went offline, but its answer arrives after that event
    expect(buffer.hold([deviceEvent(device('pi-02', { online: false })), deviceEvent(device('pi-03'))])).toBe(true)
    const snapshot = fleetFromList({ devices: [device('pi-01'), device('pi-02', { online: true })], total: 2, online: 2 })
    const fleet = buffer.settle(snapshot, applyDeviceEvents)
    expect(fleet.devices.get('pi-02')?.online).toBe(false)
    expect([...fleet.devices.keys()]).toEqual(['pi-01', 'pi-02', 'pi-03'])
  })

  it('stops holding once settled: later messages are applied by the caller', () => {
    const buffer = new SnapshotBuffer()
    buffer.settle(fleetFromList({ devices: [], total: 0, online: 0 }), applyDeviceEvents)
    expect(buffer.loading).toBe(false)
    expect(buffer.hold([deviceEvent(device('x'))])).toBe(false)
  })
})
