import { examples, type Status } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { DeviceHealth, STABLE_INTERVALS } from './device-health.ts'

const status = (latencyP95Ms: number, sha256 = examples.status.model.sha256): Status =>
  ({ ...examples.status, latencyP95Ms, model: { ...examples.status.model, sha256 } }) as Status

describe('DeviceHealth', () => {
  it('judges latency on the median p95 of the last intervals, so one GC pause does not read as a slower model', () => {
    const health = new DeviceHealth()
    for (const p95 of [0.4, 0.5, 12.5, 0.4]) health.observe(status(p95))
    const r = health.get('pi-kitchen-01')!
    expect(r.latencyP95Ms).toBe(0.4)
    expect(r.latencyP95StableMs).toBe(0.45)
    // a model that is slower every interval shows once most recent intervals are slow
    for (let i = 0; i < STABLE_INTERVALS; i++) health.observe(status(3))
    expect(health.get('pi-kitchen-01')!.latencyP95StableMs).toBe(3)
  })

  it('starts the recent p95s afresh with a new model and keeps the last figures when the device goes offline', () => {
    const health = new DeviceHealth()
    for (const p95 of [9, 9, 9]) health.observe(status(p95, 'a'.repeat(64)))
    health.observe(status(1, 'b'.repeat(64)))
    expect(health.get('pi-kitchen-01')!.latencyP95StableMs).toBe(1)
    health.observe({ ...examples.statusOffline } as Status)
    expect(health.get('pi-kitchen-01')).toMatchObject({ online: false, latencyP95StableMs: 1 })
  })
})
