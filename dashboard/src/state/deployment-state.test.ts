import type { DeviceDeployment } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { applyDeployEvents } from './deployment-state.ts'

const step = (role: 'active' | 'shadow', s: string, state: string) => ({
  role, generation: 3, rolloutId: null, model: { name: 'gas-sensor', version: '1.1.0' }, step: s as 'download', state, code: null, message: null, ts: 1,
})

describe('deployment state', () => {
  it("replaces a role's step with the newest deploy event for this device", () => {
    const d: DeviceDeployment = { deviceId: 'pi-01', desired: null, deployments: [step('active', 'download', 'started')], health: null }
    const next = applyDeployEvents(d, [
      { type: 'deploy', body: { deviceId: 'pi-02', deployment: step('active', 'swap', 'failed') } },
      { type: 'deploy', body: { deviceId: 'pi-01', deployment: step('shadow', 'load', 'started') } },
      { type: 'deploy', body: { deviceId: 'pi-01', deployment: step('active', 'active', 'succeeded') } },
    ])
    expect(next.deployments.map((x) => [x.role, x.step, x.state])).toEqual([['active', 'active', 'succeeded'], ['shadow', 'load', 'started']])
  })
})
