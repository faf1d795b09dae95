import { randomBytes } from 'node:crypto'
import type { JobTrigger, JobView } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import type { JobStore } from '../../registry/job-store.ts'
import { isActive, queuedJob } from './job-view.ts'

/** Runs one job to its end; resolves with the finished job (succeeded, rejected, failed or cancelled). */
export type JobRun = (job: JobView, o: { signal: AbortSignal; update(patch: Partial<JobView>): void }) => Promise<JobView>

export interface JobServiceOptions {
  store: JobStore
  run: JobRun
  /** jobs running at once (default 1); the others wait, oldest first */
  concurrency?: number
  /** names the trainer a job of this model will use */
  trainerOf(model: string): string
  /** sees every change of a job (the live feed); progress at most once per job per `progressMs` */
  onChange?: (job: JobView) => void
  /** progress is stored and reported at most this often per job (default 1000 ms) */
  progressMs?: number
  logger: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void }
  now?: () => number
  /** false: start no job here (another hub instance leads and runs them; queued jobs wait in the registry); default always true */
  mayRun?: () => boolean
}

/**
 * The retraining job queue: jobs are stored in the registry as they change, run `concurrency` at a time
 * (oldest first), one per model at a time, and can be cancelled. A job that was running when the hub
 * stopped is queued again by {@link start} and runs from its first step (every step's output is rebuilt:
 * a snapshot is cheap, training deterministic).
 */
export class JobService {
  private readonly running = new Map<string, AbortController>()
  private readonly lastProgress = new Map<string, number>()
  private readonly now: () => number
  private kicking = Promise.resolve()
  private closed = false

  constructor(private readonly o: JobServiceOptions) {
    this.now = o.now ?? Date.now
  }

  /** Re-queues jobs a stopped hub left running, then starts queued jobs. */
  async start(): Promise<void> {
    for (const job of await this.o.store.listJobs({ states: ['running'] })) {
      this.o.logger.warn({ job: job.id, model: job.model }, 'retraining job was running when the hub stopped: queued again')
      await this.save({ ...job, state: 'queued', progress: null, startedAt: null, reason: `${job.reason} (restarted: the hub stopped while it ran)`.slice(0, 1024) })
    }
    this.kick()
  }

  /**
   * Queues a job for `model`. Throws HUB_JOB_CONFLICT when one is queued or running for it already (that job
   * will use every label there is when it starts).
   */
  async create(o: { model: string; trigger: JobTrigger; reason: string; by: string | null }): Promise<JobView> {
    const active = await this.activeJob(o.model)
    if (active) throw new HubError('HUB_JOB_CONFLICT', `retraining job ${active.id} of ${o.model} is ${active.state}: wait for it (edgefleet jobs show ${active.id}) or cancel it (edgefleet jobs cancel ${active.id})`)
    const job = queuedJob({ id: `${o.model}-${randomBytes(4).toString('hex')}`, ...o, trainer: this.o.trainerOf(o.model), now: this.now() })
    await this.save(job)
    this.o.logger.info({ job: job.id, model: job.model, trigger: job.trigger }, `retraining job queued: ${job.reason}`)
    this.kick()
    return job
  }

  get(id: string): Promise<JobView | null> {
    return this.o.store.getJob(id)
  }

  list(filter?: { model?: string; states?: readonly string[]; limit?: number }): Promise<JobView[]> {
    return this.o.store.listJobs(filter)
  }

  /** The model's queued or running job, if any. */
  async activeJob(model: string): Promise<JobView | null> {
    return (await this.o.store.listJobs({ model, states: ['queued', 'running'], limit: 1 }))[0] ?? null
  }

  /** The model's newest job, whatever its state. */
  async lastJob(model: string): Promise<JobView | null> {
    return (await this.o.store.listJobs({ model, limit: 1 }))[0] ?? null
  }

  /** Cancels a queued job at once, a running one at its next step boundary (or epoch). Throws HUB_JOB_NOT_FOUND / HUB_JOB_STATE. */
  async cancel(id: string, by: string | null): Promise<JobView> {
    const job = await this.o.store.getJob(id)
    if (!job) throw new HubError('HUB_JOB_NOT_FOUND', `no retraining job ${id}; list them with edgefleet jobs`)
    if (!isActive(job)) throw new HubError('HUB_JOB_STATE', `job ${id} is ${job.state} already: only queued or running jobs can be cancelled`)
    const controller = this.running.get(id)
    if (controller) {
      controller.abort(new HubError('HUB_JOB_CANCELLED', `cancelled by ${by ?? 'an operator'}`))
      return job
    }
    const cancelled: JobView = { ...job, state: 'cancelled', finishedAt: this.now(), error: { code: 'HUB_JOB_CANCELLED', message: `cancelled by ${by ?? 'an operator'} before it started` } }
    await this.save(cancelled)
    return cancelled
  }

  /** Cancels running jobs and waits for them to stop; queued jobs stay queued for the next start. */
  async close(): Promise<void> {
    this.closed = true
    for (const c of this.running.values()) c.abort(new HubError('HUB_JOB_CANCELLED', 'the hub is shutting down'))
    await this.kicking
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20))
  }

  /** Starts queued jobs while there is room (serialised, so two kicks never start the same job). */
  kick(): void {
    this.kicking = this.kicking.then(() => this.startQueued()).catch((err: Error) => this.o.logger.error({ err: err.message }, 'cannot start retraining jobs'))
  }

  /**
   * This hub instance no longer leads (hub/src/cluster/): cancels the jobs running here (state `cancelled`,
   * `HUB_JOB_CANCELLED`; start them again by hand) and waits for them to stop. New jobs wait for `mayRun`.
   */
  async suspend(): Promise<void> {
    for (const c of this.running.values()) c.abort(new HubError('HUB_JOB_CANCELLED', 'this hub instance lost the leader lease while the job ran: start it again (edgefleet retrain)'))
    await this.kicking
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20))
  }

  private async startQueued(): Promise<void> {
    if (this.closed || this.o.mayRun?.() === false) return
    const queued = (await this.o.store.listJobs({ states: ['queued'] })).reverse()
    for (const job of queued) {
      if (this.running.size >= (this.o.concurrency ?? 1)) return
      const busy = [...this.running.keys()].length > 0 && (await Promise.all([...this.running.keys()].map((id) => this.o.store.getJob(id)))).some((j) => j?.model === job.model)
      if (busy) continue
      this.launch(job)
    }
  }

  private launch(queued: JobView): void {
    const controller = new AbortController()
    this.running.set(queued.id, controller)
    let current: JobView = { ...queued, state: 'running', startedAt: this.now(), progress: null, error: null }
    const update = (patch: Partial<JobView>): void => {
      current = { ...current, ...patch }
      const onlyProgress = Object.keys(patch).every((k) => k === 'progress')
      const last = this.lastProgress.get(current.id) ?? 0
      if (onlyProgress && this.now() - last < (this.o.progressMs ?? 1000)) return
      this.lastProgress.set(current.id, this.now())
      void this.save(current)
    }
    void (async () => {
      await this.save(current)
      this.o.logger.info({ job: current.id, model: current.model }, 'retraining job started')
      let finished: JobView
      try {
        finished = await this.o.run(current, { signal: controller.signal, update })
      } catch (err) {
        const e = err as Error & { code?: string }
        const cancelled = controller.signal.aborted
        finished = { ...current, state: cancelled ? 'cancelled' : 'failed', error: { code: cancelled ? 'HUB_JOB_CANCELLED' : (e.code ?? 'HUB_JOB_FAILED'), message: (cancelled ? String((controller.signal.reason as Error)?.message ?? e.message) : e.message).slice(0, 1024) } }
      }
      finished = { ...finished, finishedAt: this.now() }
      await this.save(finished)
      const log = finished.state === 'failed' ? 'error' : 'info'
      this.o.logger[log]({ job: finished.id, model: finished.model, state: finished.state, candidate: finished.candidateVersion, error: finished.error?.message }, `retraining job ${finished.state}`)
    })()
      .catch((err: Error) => this.o.logger.error({ job: queued.id, err: err.message }, 'retraining job could not be stored'))
      .finally(() => {
        this.running.delete(queued.id)
        this.lastProgress.delete(queued.id)
        this.kick()
      })
  }

  private async save(job: JobView): Promise<void> {
    await this.o.store.saveJob(job, this.now())
    this.o.onChange?.(job)
  }
}
