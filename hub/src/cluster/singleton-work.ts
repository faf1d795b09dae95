import type { LeaderLease } from './leader-lease.ts'

/** One piece of once-only work: started when this instance wins the lease, stopped when it loses it. */
export interface SingletonStep {
  name: string
  start(): Promise<void> | void
  stop(): Promise<void> | void
}

/** Options of {@link SingletonWork}. */
export interface SingletonWorkOptions {
  lease: LeaderLease
  steps: readonly SingletonStep[]
  /** while leading, this runs every `pollMs`: work other instances queued in the shared stores (webhook deliveries, retraining jobs) */
  poll?: () => void
  pollMs?: number
  logger: { info(o: object, m: string): void; error(o: object, m: string): void }
}

/**
 * Starts the named steps, in order, when the lease is won and stops them, in reverse order, when it
 * is lost or the hub closes. Changes run one at a time, so a quick win–lose–win never interleaves a
 * start with a stop. A step that fails is logged by name and does not keep the others from running.
 */
export class SingletonWork {
  private queue: Promise<void> = Promise.resolve()
  private running = false
  private poller: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined

  constructor(private readonly o: SingletonWorkOptions) {}

  /** Follows the lease from now on (and starts the steps at once if it is held already). */
  attach(): void {
    this.unsubscribe ??= this.o.lease.onChange((leader) => void this.follow(leader))
    if (this.o.lease.isLeader()) void this.follow(true)
  }

  /** Stops following the lease and stops the steps; resolves once they stopped. */
  async close(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.follow(false)
  }

  /** Resolves once every change asked for so far has been carried out. */
  settled(): Promise<void> {
    return this.queue
  }

  private follow(leader: boolean): Promise<void> {
    this.queue = this.queue.then(() => (leader ? this.startAll() : this.stopAll()))
    return this.queue
  }

  private async startAll(): Promise<void> {
    if (this.running) return
    this.running = true
    for (const step of this.o.steps) await this.run(step, 'start')
    if (this.o.poll) this.poller = setInterval(this.o.poll, this.o.pollMs ?? 5000).unref()
    this.o.logger.info({ steps: this.o.steps.map((s) => s.name) }, 'leading: once-only work started')
  }

  private async stopAll(): Promise<void> {
    if (!this.running) return
    this.running = false
    clearInterval(this.poller)
    for (const step of [...this.o.steps].reverse()) await this.run(step, 'stop')
  }

  private async run(step: SingletonStep, what: 'start' | 'stop'): Promise<void> {
    try {
      await step[what]()
    } catch (err) {
      this.o.logger.error({ step: step.name, err: (err as Error).message }, `once-only work ${step.name} failed to ${what}`)
    }
  }
}
