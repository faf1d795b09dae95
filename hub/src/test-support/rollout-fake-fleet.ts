import type { DeviceObservation } from '../rollouts/policy/gates.ts'
import type { FleetDevice, RolloutAction, RolloutFacts } from '../rollouts/policy/rollout.ts'

/**
 * Test support, not exported from index.ts: a fleet that carries out the machine's actions the way the engine
 * and the agents would, so that the tests can walk a rollout through time with plain data.
 */
export type InstallOutcome = 'active' | 'failed' | 'stall'

export class FakeFleet {
  readonly devices = new Map<string, FleetDevice>()
  readonly observations = new Map<string, DeviceObservation>()
  /** how each device ends an install; `active` unless set */
  readonly outcomes = new Map<string, InstallOutcome>()
  /** every action carried out, in order */
  readonly log: RolloutAction[] = []
  /** what a device reports once active (merged into its observation) */
  metrics: Partial<DeviceObservation> = { inferenceRuns: 200, inferenceErrors: 0, latencyP95BeforeMs: 10, latencyP95AfterMs: 11 }
  /** what a shadow reports once loaded */
  shadowReport: NonNullable<DeviceObservation['shadow']> = { samples: 100, agreement: 0.99, latencyP95Ms: 11 }

  constructor(
    readonly candidate: string,
    ids: readonly string[] = [],
    readonly previous = '1.0.0',
  ) {
    for (const id of ids) this.add(id)
  }

  add(id: string, tags: Record<string, string> = {}, online = true): this {
    this.devices.set(id, { id, tags, online, currentVersion: this.previous })
    return this
  }

  setOnline(id: string, online: boolean): this {
    this.devices.get(id)!.online = online
    return this
  }

  /** Carries out actions: assignment starts an install (a pending one while offline), rollback restores the previous version. */
  apply(actions: readonly RolloutAction[]): this {
    for (const action of actions) {
      this.log.push(action)
      if (action.type === 'assign') {
        for (const id of action.deviceIds) {
          const online = this.devices.get(id)?.online === true
          this.observations.set(id, { id, role: action.role, state: online ? 'installing' : 'pending', inferenceRuns: 0, inferenceErrors: 0 })
        }
      } else if (action.type === 'rollback') {
        for (const id of action.deviceIds) {
          this.observations.delete(id)
          const d = this.devices.get(id)
          if (d) d.currentVersion = action.previous[id] ?? null
        }
      } else if (action.type === 'clear-shadow') {
        for (const id of action.deviceIds) this.observations.delete(id)
      }
    }
    return this
  }

  /** Online devices finish their installs as their outcome says. */
  settle(): this {
    for (const o of this.observations.values()) {
      const device = this.devices.get(o.id)!
      if (!device.online || (o.state !== 'installing' && o.state !== 'pending')) continue
      const outcome = this.outcomes.get(o.id) ?? 'active'
      if (outcome === 'stall') {
        o.state = 'installing'
      } else if (outcome === 'failed') {
        o.state = 'failed'
        o.failure = { step: 'self-test', code: 'MODEL_SELF_TEST_FAILED' }
      } else if (o.role === 'shadow') {
        o.state = 'active'
        o.shadow = { ...this.shadowReport }
        o.latencyP95BeforeMs = 10
      } else {
        Object.assign(o, this.metrics, { state: 'active' })
        device.currentVersion = this.candidate
      }
    }
    return this
  }

  facts(): RolloutFacts {
    return { devices: [...this.devices.values()].map((d) => ({ ...d })), observations: [...this.observations.values()].map((o) => ({ ...o })) }
  }

  /** Ids of the devices in `assign` actions for a role, in order. */
  assigned(role: 'active' | 'shadow' = 'active'): string[] {
    return this.log.flatMap((a) => (a.type === 'assign' && a.role === role ? a.deviceIds : []))
  }
}
