import { describe, expect, it } from 'vitest'
import type { DeploymentRecord } from '../registry/deployment-store.ts'
import type { DeviceHealthReport } from '../deployments/device-health.ts'
import { createRollout, parseTarget, type Assignment } from './policy/index.ts'
import { observe } from './rollout-facts.ts'

const rollout = createRollout({ id: 'r1', model: { name: 'gas-sensor', version: '1.1.0' }, target: parseTarget('all') }, 0)
const assignment: Assignment = { role: 'active', wave: 0, assignedInWave: 0, assignedAt: 0, deadline: 1e9, promoted: false, previousVersion: '1.0.0' }
const report = (version: string, step: DeploymentRecord['step'], state: DeploymentRecord['state'], code: string | null = null): DeploymentRecord => ({
  deviceId: 'd', role: 'active', generation: 1, rolloutId: 'r1', model: { name: 'gas-sensor', version }, step, state, code, message: null, ts: 1, updatedAt: 1,
})
const health = (version: string, extra: Partial<DeviceHealthReport> = {}): DeviceHealthReport => ({
  deviceId: 'd', at: 1, online: true, model: { name: 'gas-sensor', version, sha256: 'a'.repeat(64) }, ...extra,
})
const sources = { online: true, driftAlerts: 0, baseline: { version: '1.0.0', sha256: null, latencyP95Ms: 2 }, confidence: null }

describe('observe (one assigned device for the gates)', () => {
  it('is active once its status names the candidate, with its health figures against its baseline', () => {
    const o = observe(rollout, 'd', assignment, { ...sources, health: health('1.1.0', { inferenceRuns: 500, inferenceErrors: 2, latencyP95Ms: 3 }), report: report('1.1.0', 'active', 'succeeded') })
    expect(o).toMatchObject({ state: 'active', role: 'active', inferenceRuns: 500, inferenceErrors: 2, latencyP95BeforeMs: 2, latencyP95AfterMs: 3 })
  })

  it('is failed, with step and code, when it reported a failed step for the candidate; installing while it reports steps', () => {
    expect(observe(rollout, 'd', assignment, { ...sources, health: health('1.0.0'), report: report('1.1.0', 'self-test', 'failed', 'MODEL_SELF_TEST_FAILED') }))
      .toMatchObject({ state: 'failed', failure: { step: 'self-test', code: 'MODEL_SELF_TEST_FAILED' } })
    expect(observe(rollout, 'd', assignment, { ...sources, health: health('1.0.0'), report: report('1.1.0', 'download', 'progress') }).state).toBe('installing')
  })

  it('trusts its status over an old report, and its report of the active step before any status (a restarted hub)', () => {
    // rolled back since: the status names the previous version
    expect(observe(rollout, 'd', assignment, { ...sources, health: health('1.0.0'), report: report('1.1.0', 'active', 'succeeded') }).state).toBe('installing')
    expect(observe(rollout, 'd', assignment, { ...sources, health: undefined, report: report('1.1.0', 'active', 'succeeded') }).state).toBe('active')
  })

  it('is pending or offline before it reports anything', () => {
    expect(observe(rollout, 'd', assignment, { ...sources, health: health('1.0.0'), report: undefined }).state).toBe('pending')
    expect(observe(rollout, 'd', assignment, { ...sources, online: false, health: undefined, report: undefined }).state).toBe('offline')
  })
})
