import type { InstanceStatus, SharedMembership } from '../broker/shared-membership.ts'
import type { TakeoverResult } from '../broker/session-takeover.ts'
import type { LeaderLease } from './leader-lease.ts'

/** Options of {@link InstanceFailover}. */
export interface InstanceFailoverOptions {
  membership: Pick<SharedMembership, 'instanceId' | 'members' | 'onChange'>
  lease: Pick<LeaderLease, 'isLeader' | 'onChange'>
  /** takes over and drains the session of a dead instance (ExternalBroker.takeOver) */
  takeOver(instanceId: string): Promise<TakeoverResult>
  /** clears a drained instance's state topic (an empty retained message) */
  clear(instanceId: string): Promise<void>
  /** a takeover that failed or was cut short is tried again after this long (default 5 s) */
  retryMs?: number
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void }
  observe?(outcome: 'drained' | 'no-session' | 'cut-short' | 'failed', messages: number): void
}

/**
 * The leader's watch over the other members of the group: a member whose state is `offline` (its
 * last will: it died) has its session taken over and drained, so the messages the broker queued for
 * it are stored without waiting for it to come back; then its state topic is cleared. Only the
 * leader does this, one takeover per instance at a time; a new leader looks at every state it
 * holds, so a dead leader's session is taken over by the next one.
 */
export class InstanceFailover {
  private readonly busy = new Map<string, Promise<void>>()
  private readonly retries = new Map<string, NodeJS.Timeout>()
  private readonly unsubscribe: (() => void)[] = []
  private closed = false

  constructor(private readonly o: InstanceFailoverOptions) {}

  start(): void {
    this.unsubscribe.push(this.o.membership.onChange((id, status) => this.consider(id, status)))
    this.unsubscribe.push(this.o.lease.onChange((leader) => leader && this.considerAll()))
    this.considerAll()
  }

  async close(): Promise<void> {
    this.closed = true
    for (const u of this.unsubscribe.splice(0)) u()
    for (const t of this.retries.values()) clearTimeout(t)
    await Promise.allSettled([...this.busy.values()])
  }

  private considerAll(): void {
    for (const [id, status] of this.o.membership.members()) this.consider(id, status)
  }

  private consider(id: string, status: InstanceStatus | null): void {
    if (this.closed || !this.o.lease.isLeader() || id === this.o.membership.instanceId) return
    if (status?.state !== 'offline' || this.busy.has(id)) return
    clearTimeout(this.retries.get(id))
    this.retries.delete(id)
    const run = this.takeOver(id).finally(() => this.busy.delete(id))
    this.busy.set(id, run)
  }

  private async takeOver(id: string): Promise<void> {
    const { logger } = this.o
    logger.info({ instanceId: id }, 'hub instance is gone (its last will): taking over its MQTT session')
    let again = false
    try {
      const r = await this.o.takeOver(id)
      const outcome = !r.sessionPresent ? 'no-session' : r.drained ? 'drained' : 'cut-short'
      this.o.observe?.(outcome, r.messages)
      logger.info({ instanceId: id, outcome, messages: r.messages }, `took over the session of hub instance ${id}: ${r.messages} messages stored`)
      // still offline: nothing of it is left at the broker; otherwise it came back and took its session itself
      if (r.drained && this.o.membership.members().get(id)?.state === 'offline') await this.o.clear(id)
      again = !r.drained
    } catch (err) {
      this.o.observe?.('failed', 0)
      logger.warn({ instanceId: id, err: (err as Error).message }, 'taking over a dead hub instance\'s session failed; trying again')
      again = true
    }
    if (again && !this.closed) {
      this.retries.set(id, setTimeout(() => {
        this.retries.delete(id)
        this.consider(id, this.o.membership.members().get(id) ?? null)
      }, this.o.retryMs ?? 5000).unref())
    }
  }
}
