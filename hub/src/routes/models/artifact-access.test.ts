import { examples, type Desired, type ModelTarget } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { deviceMayFetch, desiredVersions } from './artifact-access.ts'

describe('deviceMayFetch', () => {
  const target = (version: string): ModelTarget => ({ ...(examples.desired as Desired).active!, name: 'gas-sensor', version })
  const desired = (active: ModelTarget | null, shadow?: ModelTarget | null): Desired => ({ ...(examples.desired as Desired), active, shadow })

  it('allows exactly the active and shadow versions of the desired state', () => {
    const d = desired(target('1.0.0'), target('1.1.0'))
    expect(desiredVersions(d)).toEqual([{ name: 'gas-sensor', version: '1.0.0' }, { name: 'gas-sensor', version: '1.1.0' }])
    expect(deviceMayFetch(d, { name: 'gas-sensor', version: '1.0.0' })).toBe(true)
    expect(deviceMayFetch(d, { name: 'gas-sensor', version: '1.1.0' })).toBe(true)
    expect(deviceMayFetch(d, { name: 'gas-sensor', version: '1.2.0' })).toBe(false)
    expect(deviceMayFetch(d, { name: 'ultraface', version: '1.0.0' })).toBe(false)
  })

  it('allows nothing without a desired state or with empty targets', () => {
    expect(deviceMayFetch(null, { name: 'gas-sensor', version: '1.0.0' })).toBe(false)
    expect(deviceMayFetch(desired(null), { name: 'gas-sensor', version: '1.0.0' })).toBe(false)
    expect(deviceMayFetch(desired(null, target('1.0.0')), { name: 'gas-sensor', version: '1.0.0' })).toBe(true)
  })
})
