import { describe, expect, it } from 'vitest'
import { hrefFor, parseHash, sectionOf } from './route.ts'

describe('hash routes', () => {
  it('reads every page from the hash, the Fleet by default', () => {
    expect(parseHash('')).toEqual({ page: 'fleet' })
    expect(parseHash('#/')).toEqual({ page: 'fleet' })
    expect(parseHash('#/fleet')).toEqual({ page: 'fleet' })
    expect(parseHash('#/devices/pi-01')).toEqual({ page: 'device', id: 'pi-01' })
    expect(parseHash('#/models')).toEqual({ page: 'models' })
    expect(parseHash('#/rollouts')).toEqual({ page: 'rollouts' })
    expect(parseHash('#/rollouts/gas-sensor-1.1.0-a1b2c3')).toEqual({ page: 'rollout', id: 'gas-sensor-1.1.0-a1b2c3' })
    expect(parseHash('#/alerts')).toEqual({ page: 'alerts' })
    expect(parseHash('#/jobs')).toEqual({ page: 'jobs' })
    expect(parseHash('#/jobs/gas-sensor-1a2b3c4d')).toEqual({ page: 'job', id: 'gas-sensor-1a2b3c4d' })
  })

  it('answers unknown or malformed hashes with not-found', () => {
    expect(parseHash('#/nowhere').page).toBe('not-found')
    expect(parseHash('#/devices/a/b').page).toBe('not-found')
    expect(parseHash('#/devices/%E0%A4%A').page).toBe('not-found')
  })

  it('builds links that parse back to the same route', () => {
    for (const route of [{ page: 'device', id: 'lab.pi_01' }, { page: 'rollout', id: 'r 1' }, { page: 'alerts' }] as const) {
      expect(parseHash(hrefFor(route))).toEqual(route)
    }
  })

  it('marks the device page as part of the Fleet section', () => {
    expect(sectionOf({ page: 'device', id: 'x' })).toBe('fleet')
    expect(sectionOf({ page: 'rollout', id: 'x' })).toBe('rollouts')
    expect(sectionOf({ page: 'job', id: 'x' })).toBe('jobs')
  })
})
