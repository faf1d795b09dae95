import { deviceTopic, encodeChannel, type Desired, type ModelTarget } from '@edgefleet/protocol'
import type { FastifyBaseLogger } from 'fastify'
import type { HubBroker } from '../broker/broker.ts'
import type { DeploymentStore } from '../registry/deployment-store.ts'
import type { ModelVersionRecord } from '../registry/model-store.ts'
import type { SigningKeys } from '../signing/signing-keys.ts'
import { modelTarget } from './model-target.ts'

/** A change of one device's desired state; an absent field keeps what the device was told before. */
export interface Assignment {
  /** the version to serve; `null` clears the target (the device keeps what it has) */
  active?: ModelVersionRecord | null
  /** a candidate to run beside the active model, or `null` to stop the shadow */
  shadow?: ModelVersionRecord | null
  /** going back to an older version: the target carries a rollback signature */
  rollback?: boolean
  /** the rollout this change belongs to (`null` for a direct assignment) */
  rolloutId?: string | null
}

export interface DesiredServiceOptions {
  store: DeploymentStore
  broker: HubBroker
  keys: SigningKeys
  /** the hub's public REST base URL, resolved when a target is built (the port is known only after listen) */
  baseUrl: () => string
  logger: FastifyBaseLogger
  now?: () => number
}

/**
 * Owns every device's desired state: stores it (generations only increase) and publishes it retained,
 * QoS 1, on the device's `desired` topic, so a device that connects later gets the newest one. After a
 * restart `republishAll()` puts the stored states back on the broker.
 */
export class DesiredService {
  private readonly now: () => number

  constructor(private readonly o: DesiredServiceOptions) {
    this.now = o.now ?? Date.now
  }

  async assign(deviceId: string, a: Assignment): Promise<Desired> {
    const prev = (await this.o.store.getDesired(deviceId))?.desired
    const target = (v: ModelVersionRecord | null | undefined, kept: ModelTarget | null | undefined, rollback: boolean): ModelTarget | null =>
      v === undefined ? (kept ?? null) : v === null ? null : modelTarget(v, this.o.baseUrl(), this.o.keys, { rollback })
    const now = this.now()
    const rolloutId = a.rolloutId === undefined ? prev?.rolloutId : a.rolloutId ?? undefined
    const next: Desired = {
      v: 1,
      ts: now,
      // the store raises it above the previous generation when the clock went back
      generation: now,
      active: target(a.active, prev?.active, a.rollback === true),
      rollback: a.active === undefined ? (prev?.rollback ?? false) : a.rollback === true,
      ...(rolloutId ? { rolloutId } : {}),
    }
    const shadow = target(a.shadow, prev?.shadow, false)
    if (shadow) next.shadow = shadow
    const stored = await this.o.store.putDesired(deviceId, next, now)
    await this.publish(deviceId, stored)
    return stored
  }

  /** Publishes every stored desired state again (hub start: an embedded broker forgot its retained messages). */
  async republishAll(): Promise<number> {
    const all = await this.o.store.listDesired()
    for (const d of all) await this.publish(d.deviceId, d.desired)
    return all.length
  }

  private async publish(deviceId: string, desired: Desired): Promise<void> {
    try {
      await this.o.broker.publish(deviceTopic(deviceId, 'desired'), encodeChannel('desired', desired), { retain: true, qos: 1 })
    } catch (err) {
      // stored already: the next republish (hub start, broker reconnect) sends it
      this.o.logger.error({ deviceId, err: (err as Error).message }, 'cannot publish the desired state; it is stored and will be sent again')
    }
  }
}
