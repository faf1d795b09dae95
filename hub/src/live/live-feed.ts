import type { DeviceView, LiveEventBodies, LiveEventType, RolloutView } from '@edgefleet/protocol'

/** Receives every live event: `type` is the SSE event name, `body` its JSON data. */
export type LiveListener = <T extends LiveEventType>(type: T, body: LiveEventBodies[T]) => void

export interface LiveFeedOptions {
  /** a device's current view (registry + health); null once it is gone */
  deviceView(id: string): Promise<DeviceView | null>
  /** a rollout's current view (state + progress); null if unknown */
  rolloutView(id: string): Promise<RolloutView | null>
  /** the rollout a device's desired state belongs to: its progress depends on the device's status too */
  rolloutOfDevice?(id: string): Promise<string | null>
  /** device and rollout changes are sent at most once per id per this many ms (default 1000) */
  coalesceMs?: number
  logger: { warn(o: object, msg: string): void }
}

const DEFAULT_COALESCE_MS = 1000

/**
 * What operator clients watch live (`GET /api/v1/live`): alerts, deploy steps and new model versions go
 * out as they happen; device and rollout changes are coalesced (a status every few seconds from each of
 * 1 000 devices, or a rollout's progress on every deploy step, becomes at most one event per id per
 * second, carrying the current view). With nobody subscribed, changes cost nothing.
 */
export class LiveFeed {
  private readonly listeners = new Set<LiveListener>()
  private readonly dirtyDevices = new Set<string>()
  private readonly dirtyRollouts = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()
  private closed = false

  constructor(private readonly o: LiveFeedOptions) {}

  /** Adds a listener; returns its unsubscribe. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  get subscribers(): number {
    return this.listeners.size
  }

  /** Sends an event to every listener now. A listener that throws is logged and does not stop the others. */
  publish<T extends LiveEventType>(type: T, body: LiveEventBodies[T]): void {
    for (const listener of this.listeners) {
      try {
        listener(type, body)
      } catch (err) {
        this.o.logger.warn({ event: type, err: (err as Error).message }, 'live listener failed')
      }
    }
  }

  /** A device's presence, status or model changed: its view goes out within `coalesceMs`. */
  deviceChanged(id: string): void {
    if (this.listeners.size === 0 || this.closed) return
    this.dirtyDevices.add(id)
    this.schedule()
  }

  /** A rollout's state or progress changed: its view goes out within `coalesceMs`. */
  rolloutChanged(id: string): void {
    if (this.listeners.size === 0 || this.closed) return
    this.dirtyRollouts.add(id)
    this.schedule()
  }

  /** Stops the timer; pending changes are dropped (their listeners are going away). */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    this.dirtyDevices.clear()
    this.dirtyRollouts.clear()
    await this.flushing
    this.listeners.clear()
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flushing = this.flushing.then(() => this.flush())
    }, this.o.coalesceMs ?? DEFAULT_COALESCE_MS)
    this.timer.unref()
  }

  private async flush(): Promise<void> {
    const devices = [...this.dirtyDevices]
    const rollouts = [...this.dirtyRollouts]
    this.dirtyDevices.clear()
    this.dirtyRollouts.clear()
    for (const id of devices) {
      const device = await this.o.deviceView(id).catch((err: Error) => this.failed('device', id, err))
      if (device && !this.closed) this.publish('device', { device })
      // a device counts as installed in its rollout once its status names the new version
      const rollout = await this.o.rolloutOfDevice?.(id).catch((err: Error) => this.failed('device rollout', id, err))
      if (rollout && !rollouts.includes(rollout)) rollouts.push(rollout)
    }
    for (const id of rollouts) {
      const rollout = await this.o.rolloutView(id).catch((err: Error) => this.failed('rollout', id, err))
      if (rollout && !this.closed) this.publish('rollout', { rollout })
    }
  }

  private failed(kind: string, id: string, err: Error): null {
    this.o.logger.warn({ [kind]: id, err: err.message }, `live ${kind} view failed; the next change sends it again`)
    return null
  }
}
