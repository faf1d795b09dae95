import type { Alert } from '@edgefleet/protocol'
import { Cron } from 'croner'
import type { JobService } from './job-service.ts'
import type { RetrainPolicy } from './retrain-policy.ts'

export interface RetrainTriggersOptions {
  jobs: Pick<JobService, 'create' | 'activeJob' | 'lastJob'>
  policyOf(model: string): RetrainPolicy
  /** models with a `schedule` in their policy */
  scheduled: readonly string[]
  labelledCount(model: string, o?: { since?: number }): Promise<number>
  logger: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void }
  now?: () => number
}

/**
 * What starts retraining without anyone asking: a raised drift alert (once the model has `minLabelled` labelled
 * samples, and not within `driftCooldown` of its last job), `afterLabels` new labels since the last job, and a
 * cron `schedule`. A drift alert that arrives before enough labels waits for them (in memory: after a hub
 * restart the next raised alert starts it). A model with a job queued or running gets no second one.
 */
export class RetrainTriggers {
  /** per model: the raised alert waiting for labels */
  private readonly pendingDrift = new Map<string, Alert>()
  private readonly crons: Cron[] = []
  /** one check per model at a time; a check asked for meanwhile runs once after it */
  private readonly checking = new Map<string, Promise<void>>()
  private readonly again = new Set<string>()
  private readonly said = new Set<string>()
  private readonly now: () => number

  constructor(private readonly o: RetrainTriggersOptions) {
    this.now = o.now ?? Date.now
  }

  start(): void {
    for (const model of this.o.scheduled) {
      const schedule = this.o.policyOf(model).schedule!
      this.crons.push(new Cron(schedule, { protect: true }, () => void this.scheduled(model)))
      this.o.logger.info({ model, schedule }, 'retraining scheduled')
    }
  }

  close(): void {
    for (const c of this.crons) c.stop()
    this.crons.length = 0
  }

  /** Every stored alert: a raised one may start a job for its model. */
  alert(alert: Alert): void {
    if (alert.state !== 'raised' || !this.o.policyOf(alert.model.name).onDrift) return
    this.pendingDrift.set(alert.model.name, alert)
    this.check(alert.model.name)
  }

  /** `count` samples of `model` became labelled. */
  labelled(model: string, count: number): void {
    if (count > 0) this.check(model)
  }

  /** Waits for the checks under way (tests). */
  async settled(): Promise<void> {
    while (this.checking.size > 0) await Promise.all(this.checking.values())
  }

  private check(model: string): void {
    if (this.checking.has(model)) {
      this.again.add(model)
      return
    }
    const run = this.evaluate(model)
      .catch((err: Error) => this.o.logger.error({ model, err: err.message }, 'retraining trigger check failed'))
      .finally(() => {
        this.checking.delete(model)
        if (this.again.delete(model)) this.check(model)
      })
    this.checking.set(model, run)
  }

  private async evaluate(model: string): Promise<void> {
    const policy = this.o.policyOf(model)
    if (await this.o.jobs.activeJob(model)) {
      // the queued or running job takes every label there is: this alert is answered
      this.pendingDrift.delete(model)
      return
    }
    const last = await this.o.jobs.lastJob(model)
    const alert = this.pendingDrift.get(model)
    if (alert) {
      const since = last ? this.now() - last.createdAt : Number.POSITIVE_INFINITY
      if (since < policy.driftCooldownMs) {
        this.pendingDrift.delete(model)
        this.o.logger.info({ model, alert: alert.id, lastJob: last?.id }, `drift alert not retrained on: the last job of ${model} started within the cooldown`)
      } else {
        const labelled = await this.o.labelledCount(model)
        if (labelled >= policy.minLabelled) {
          this.pendingDrift.delete(model)
          await this.create(model, 'drift', `drift alert ${alert.id} (${alert.kind}, ${alert.deviceId ?? 'fleet'}): ${alert.message}; ${labelled} labelled samples`)
          return
        }
        this.once(`${model}:${alert.id}`, { model, alert: alert.id, labelled, needed: policy.minLabelled }, `drift alert on ${model}: retraining waits for ${policy.minLabelled} labelled samples (${labelled} so far)`)
      }
    }
    if (policy.afterLabels > 0) {
      const fresh = await this.o.labelledCount(model, { since: last?.createdAt ?? 0 })
      if (fresh >= policy.afterLabels) await this.create(model, 'labels', `${fresh} samples labelled since ${last ? `job ${last.id}` : 'the start'} (policy afterLabels ${policy.afterLabels})`)
    }
  }

  private async scheduled(model: string): Promise<void> {
    const policy = this.o.policyOf(model)
    const labelled = await this.o.labelledCount(model)
    if (labelled < policy.minLabelled) {
      this.o.logger.warn({ model, labelled, needed: policy.minLabelled }, `scheduled retraining of ${model} skipped: too few labelled samples`)
      return
    }
    await this.create(model, 'schedule', `schedule ${policy.schedule}; ${labelled} labelled samples`)
  }

  private async create(model: string, trigger: 'drift' | 'labels' | 'schedule', reason: string): Promise<void> {
    await this.o.jobs.create({ model, trigger, reason, by: null }).catch((err: Error & { code?: string }) => {
      if (err.code !== 'HUB_JOB_CONFLICT') throw err
    })
  }

  private once(key: string, o: object, msg: string): void {
    if (this.said.has(key)) return
    this.said.add(key)
    this.o.logger.info(o, msg)
  }
}
