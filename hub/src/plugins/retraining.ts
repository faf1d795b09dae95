import { join } from 'node:path'
import { Cron } from 'croner'
import fp from 'fastify-plugin'
import { HubError } from '../errors.ts'
import { GATE_FLAGS, parseGateFlags } from '../rollouts/policy/index.ts'
import { ModelBlobs } from '../models/model-blobs.ts'
import { hubPaths } from '../paths.ts'
import { builtinTrainer } from '../retraining/jobs/builtin-trainer.ts'
import { commandTrainer } from '../retraining/jobs/command-trainer.ts'
import { jobRunner } from '../retraining/jobs/job-runner.ts'
import { JobService } from '../retraining/jobs/job-service.ts'
import { retrainPolicy, trainerName, type RetrainPolicy, type RetrainPolicyFields } from '../retraining/jobs/retrain-policy.ts'
import { RetrainTriggers } from '../retraining/jobs/retrain-triggers.ts'
import type { Trainer } from '../retraining/jobs/trainer.ts'

/** the gate settings' camelCase names as `POST /rollouts` takes them (maxFailureRate, …) */
const GATE_FLAG_NAMES = Object.fromEntries(Object.keys(GATE_FLAGS).map((f) => [f.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), f]))

declare module 'fastify' {
  interface FastifyInstance {
    /** retraining: the job queue (`jobs`) and what starts jobs by itself (`triggers`) */
    retraining: { jobs: JobService; triggers: RetrainTriggers; policyOf(model: string): RetrainPolicy }
  }
}

export interface RetrainingOptions {
  dataDir: string
  /** config `retraining`: policy fields per model name */
  policies: Readonly<Record<string, RetrainPolicyFields>>
  /** config `retrainConcurrency` */
  concurrency: number
  /** config `autoRetrain`: false turns drift, label and schedule triggers off (manual jobs still run) */
  auto: boolean
}

/**
 * A bad retraining policy is a configuration error at start, not a failed job later: `build()` calls this
 * before it opens any store or port. Throws HUB_CONFIG_INVALID naming the model and the setting.
 */
export function checkRetrainPolicies(policies: RetrainingOptions['policies']): void {
  for (const model of Object.keys(policies)) {
    const p = retrainPolicy(model, policies[model])
    const unknown = Object.keys(p.canaryGates).filter((k) => !Object.hasOwn(GATE_FLAG_NAMES, k))
    if (unknown.length > 0) throw new HubError('HUB_CONFIG_INVALID', `retraining.${model}.canaryGates: unknown ${unknown.join(', ')}; use ${Object.keys(GATE_FLAG_NAMES).join(', ')}`)
    try {
      parseGateFlags(p.canaryGates)
    } catch (err) {
      throw new HubError('HUB_CONFIG_INVALID', `retraining.${model}.canaryGates: ${(err as Error).message}`)
    }
    if (p.schedule !== null) {
      try {
        new Cron(p.schedule, { paused: true }).stop()
      } catch (err) {
        throw new HubError('HUB_CONFIG_INVALID', `retraining.${model}.schedule ${JSON.stringify(p.schedule)}: ${(err as Error).message}`)
      }
    }
  }
}

/**
 * Retraining jobs on the dataset store, the registry and the rollout engine. Whoever starts the broker starts
 * the queue and the triggers (`app.retraining.jobs.start()`, `…triggers.start()`); running jobs are cancelled
 * when the app closes and run again at the next start.
 */
export const retrainingPlugin = fp<RetrainingOptions>(async (app, o) => {
  const policies = new Map<string, RetrainPolicy>()
  const policyOf = (model: string): RetrainPolicy => {
    let p = policies.get(model)
    if (!p) policies.set(model, (p = retrainPolicy(model, o.policies[model])))
    return p
  }
  checkRetrainPolicies(o.policies)
  const trainerOf = (model: string): Trainer => {
    const p = policyOf(model)
    return p.trainer === 'builtin' ? builtinTrainer({ epochs: p.epochs, logger: app.log }) : commandTrainer(p.trainer, p.trainerTimeoutMs)
  }
  const paths = hubPaths(o.dataDir)
  const jobs = new JobService({
    store: app.registry,
    concurrency: o.concurrency,
    logger: app.log,
    trainerOf: (model) => trainerName(policyOf(model)),
    onChange: (job) => app.live.publish('job', { job }),
    // with several hub instances only the leader runs jobs; the others queue them in the registry
    mayRun: () => app.leader.isLeader(),
    run: jobRunner({
      datasets: app.datasets,
      registry: app.registry,
      blobs: new ModelBlobs(paths.models),
      keys: app.signingKeys,
      rollouts: app.rollouts,
      workDir: join(paths.dataDir, 'jobs'),
      policyOf,
      trainerOf,
      evaluate: async (pkg, rows) => (await import('@edgefleet/models/build')).evaluateClassifier(pkg, rows),
    }),
  })
  const triggers = new RetrainTriggers({
    jobs,
    policyOf: (model) => (o.auto ? policyOf(model) : { ...policyOf(model), onDrift: false, afterLabels: 0, schedule: null }),
    scheduled: o.auto ? Object.keys(o.policies).filter((m) => policyOf(m).schedule !== null) : [],
    labelledCount: (model, q) => app.datasets.labelledCount(model, q),
    logger: app.log,
  })
  const unsubscribe = app.labelArrivals.subscribe((model, count) => triggers.labelled(model, count))
  app.decorate('retraining', { jobs, triggers, policyOf })
  app.addHook('preClose', async () => {
    unsubscribe()
    triggers.close()
    await jobs.close()
  })
}, { name: 'retraining', dependencies: ['stores', 'datasets', 'signing', 'rollouts', 'live'] })
