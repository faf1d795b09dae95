import type { DeployEvent, Desired, ModelTarget } from '@edgefleet/protocol'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import type { Uplink } from '../uplink/outbox.ts'
import { runActivation, type ActivationContext, type StepReport } from './activation.ts'
import { deployEventSender } from './deploy-events.ts'
import { isServed } from './deploy-policy.ts'

/** Options of {@link Deployer}: the activation settings, plus where its events go. */
export interface DeployerOptions extends Omit<ActivationContext, 'now' | 'logger'> {
  /** the hub link (or an outbox): deploy events go out on its `events` channel */
  uplink?: Uplink
  /** sees every deploy event (library users, tests) */
  onEvent?: (e: DeployEvent) => void
  now?: () => number
  logger?: Logger
}

/** Emits the hub's desired states (a HubLink). */
export interface DesiredSource {
  on(event: 'desired', listener: (d: Desired) => void): unknown
  off(event: 'desired', listener: (d: Desired) => void): unknown
}

/** Steps after the install: a package failing one of them passed its digest and signature checks but cannot run, and is not kept. */
const UNUSABLE_AT: ReadonlySet<string> = new Set(['load', 'self-test'])

/** Thrown into a superseded or stopped activation (its abort reason). */
class Superseded extends Error {}

/**
 * Applies the hub's desired states, one at a time, through the activation steps. A generation not
 * above the last one handled (kept in the store's pointer, so across restarts) is ignored: the
 * retained copy the broker re-delivers on every connect does nothing twice. A newer generation
 * supersedes a queued one and aborts one still downloading or verifying; a failed activation is
 * reported and not retried until the hub publishes a new generation. A desired state's shadow
 * candidate goes through the same steps after the active model (and is stopped when it names none).
 * An activation interrupted by a crash or a stop is resumed by {@link resume}.
 */
export class Deployer {
  private readonly ctx: ActivationContext
  private readonly send: (e: DeployEvent) => void
  private current: { generation: number; controller: AbortController } | undefined
  private queued: Desired | undefined
  private running: Promise<void> | undefined
  private closed = false
  private detach: (() => void) | undefined

  constructor(o: DeployerOptions) {
    const logger = o.logger ?? silentLogger
    this.ctx = { ...o, now: o.now ?? Date.now, logger }
    this.send = deployEventSender({ uplink: o.uplink, logger, onEvent: o.onEvent })
  }

  /** Takes desired states from `source` (the hub link) until {@link close}. */
  attach(source: DesiredSource): void {
    const listener = (d: Desired): void => this.handle(d)
    source.on('desired', listener)
    this.detach = () => source.off('desired', listener)
  }

  /** Resumes the activation that a crash or a stop interrupted, if any. */
  resume(): void {
    const pending = this.ctx.store.pointer.pending
    if (pending) {
      this.ctx.logger.info({ generation: pending.generation }, 'resuming an interrupted model activation')
      this.handle(pending)
    }
  }

  /** Queues a desired state (ignored when not newer than the last one handled, queued or running). */
  handle(desired: Desired): void {
    if (this.closed) return
    const seen = Math.max(this.ctx.store.pointer.generation, this.current?.generation ?? -1, this.queued?.generation ?? -1)
    if (desired.generation <= seen) {
      this.ctx.logger.debug({ generation: desired.generation, seen }, 'desired state already handled')
      return
    }
    this.queued = desired
    this.current?.controller.abort(new Superseded(`superseded by generation ${desired.generation}`))
    this.running ??= this.drain().finally(() => (this.running = undefined))
  }

  /** Resolves when nothing is running or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  /** Stops taking desired states and aborts an activation before its swap; the next start resumes it. */
  async close(): Promise<void> {
    this.closed = true
    this.detach?.()
    this.queued = undefined
    this.current?.controller.abort(new Superseded('the agent is stopping'))
    await this.idle()
  }

  private async drain(): Promise<void> {
    for (let next = this.queued; next && !this.closed; next = this.queued) {
      this.queued = undefined
      await this.apply(next)
    }
  }

  /** One desired state: the active model, then the shadow candidate; the generation is handled after both. */
  private async apply(desired: Desired): Promise<void> {
    const { store, logger } = this.ctx
    const controller = new AbortController()
    this.current = { generation: desired.generation, controller }
    try {
      if (desired.active) await this.activate(desired, desired.active, 'active', controller.signal)
      else logger.info({ generation: desired.generation }, 'desired state names no active model: keep serving the current one')
      await this.applyShadow(desired, controller.signal)
      await store.update({ generation: desired.generation, pending: undefined })
    } catch (err) {
      if (err instanceof Superseded) logger.info({ generation: desired.generation, reason: err.message }, 'model activation stopped before its swap')
      else logger.error({ generation: desired.generation, code: (err as { code?: string }).code }, `cannot apply the desired state: ${(err as Error).message}`)
    } finally {
      this.current = undefined
    }
  }

  /** Starts the desired shadow candidate; a candidate the desired state does not name (any more) is stopped. */
  private async applyShadow(desired: Desired, signal: AbortSignal): Promise<void> {
    const target = desired.shadow ?? null
    if (target) await this.activate(desired, target, 'shadow', signal)
    const running = this.ctx.host.shadow()
    if (!running || (target && isServed(target, running))) return
    await this.ctx.host.setShadow(undefined)
    await this.ctx.store.update({ shadow: null })
    this.ctx.logger.info({ model: `${running.name}@${running.version}`, generation: desired.generation }, 'shadow model stopped: the desired state does not name it')
  }

  /** Runs the activation steps; a failure has been reported as a failed step, and the served model is unchanged. */
  private async activate(desired: Desired, target: ModelTarget, role: 'active' | 'shadow', signal: AbortSignal): Promise<void> {
    try {
      await runActivation({ desired, target, role, signal, report: this.reporter(desired, target, role) }, this.ctx)
    } catch (err) {
      if (err instanceof Superseded) throw err
      this.ctx.logger.debug({ err: (err as Error).message, role }, 'activation failed')
      if (err instanceof AgentError && UNUSABLE_AT.has(err.step ?? '')) {
        await this.ctx.store.discard(target).catch((e: Error) => this.ctx.logger.warn({ err: e.message }, 'cannot remove a model package that failed its checks'))
      }
    }
  }

  private reporter(desired: Desired, target: ModelTarget, role: 'active' | 'shadow'): StepReport {
    const base = { type: 'deploy' as const, ...(desired.rolloutId ? { rolloutId: desired.rolloutId } : {}), generation: desired.generation, role, model: { name: target.name, version: target.version } }
    return (step, state, extra) => this.send({ ...base, step, state, ...extra })
  }
}
