import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DatasetRow, EvaluationView, JobView } from '@edgefleet/protocol'
import semver from 'semver'
import { HubError } from '../../errors.ts'
import type { ModelBlobs } from '../../models/model-blobs.ts'
import { pushModel } from '../../models/push-model.ts'
import type { ModelStore, ModelVersionRecord } from '../../registry/model-store.ts'
import { parseRolloutFlags } from '../../rollouts/policy/index.ts'
import type { RolloutEngine } from '../../rollouts/rollout-engine.ts'
import type { SigningKeys } from '../../signing/signing-keys.ts'
import type { DatasetStore } from '../datasets/dataset-store.ts'
import type { RetrainPolicy } from './retrain-policy.ts'
import type { ClassifierEvaluation, EvaluationRow, LabelledRow, Trainer } from './trainer.ts'

/** Fewest labelled rows a job trains on: with fewer, a 20 % holdout says nothing. */
export const MIN_JOB_ROWS = 50

export interface RunnerDeps {
  datasets: Pick<DatasetStore, 'labelledCount' | 'createSnapshot' | 'readSnapshot'>
  registry: ModelStore
  blobs: ModelBlobs
  keys: SigningKeys
  rollouts: Pick<RolloutEngine, 'create'>
  /** one directory per job below it: the candidate package and, for external trainers, their files */
  workDir: string
  policyOf(model: string): RetrainPolicy
  trainerOf(model: string): Trainer
  /** evaluates a package (directory, or manifest + ONNX bytes) on labelled rows */
  evaluate(pkg: string | { manifest: ModelVersionRecord['manifest']; onnx: Uint8Array }, rows: readonly EvaluationRow[]): Promise<ClassifierEvaluation>
}

/**
 * One retraining job, step by step: `snapshot` (freeze the model's labelled samples) → `train` (the policy's
 * trainer writes a candidate package from the parent version and the snapshot) → `evaluate` (candidate and
 * current version on the same holdout: the newest labelled samples, which the trainer never saw) →
 * `register` (only when better by the policy's margin: the same checks and signature as `model push`) →
 * `canary` (a rollout with a shadow stage, when the policy asks for one).
 */
export function jobRunner(d: RunnerDeps) {
  return async (job: JobView, o: { signal: AbortSignal; update(patch: Partial<JobView>): void }): Promise<JobView> => {
    let current = job
    const update = (patch: Partial<JobView>): void => {
      current = { ...current, ...patch }
      o.update(patch)
    }
    const stage = (name: string, done: number, total: number, message?: string): void =>
      update({ progress: { stage: name, done, total, ...(message !== undefined ? { message: message.slice(0, 1024) } : {}) } })
    const policy = d.policyOf(job.model)

    // the version it retrains: the newest registered
    const versions = await d.registry.listModelVersions(job.model)
    const parent = versions.at(-1)
    if (!parent) throw new HubError('HUB_MODEL_NOT_FOUND', `${job.model} has no registered version to retrain: push one first (edgefleet model push <package-dir>)`)
    update({ parentVersion: parent.version })

    stage('snapshot', 0, 1)
    const needed = Math.max(MIN_JOB_ROWS, job.trigger === 'manual' ? 0 : policy.minLabelled)
    const labelled = await d.datasets.labelledCount(job.model)
    if (labelled < needed) {
      throw new HubError('HUB_JOB_TOO_FEW_LABELS', `${job.model} has ${labelled} labelled samples; this job needs ${needed} (agents upload samples, labels arrive by MQTT or POST /api/v1/labels)`)
    }
    const snapshot = await d.datasets.createSnapshot(job.model, { reason: job.id })
    const rows: (LabelledRow & { source: DatasetRow })[] = []
    for await (const row of d.datasets.readSnapshot(job.model, snapshot.snapshot)) {
      if (row.features !== null) rows.push({ features: row.features, label: row.label, ts: row.ts, source: row })
    }
    update({ snapshot: snapshot.snapshot })
    stage('snapshot', 1, 1, `snapshot ${snapshot.snapshot}: ${snapshot.rows} labelled samples`)
    o.signal.throwIfAborted()

    const dir = join(d.workDir, job.id)
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    const parentPackage = { manifest: parent.manifest, onnx: new Uint8Array(await readFile(d.blobs.pathOf(parent.sha256))) }
    const version = nextVersion(versions)
    const trainer = d.trainerOf(job.model)
    const trained = await trainer.train({
      model: job.model, parent: parentPackage, parentVersion: parent.version, rows, snapshot, version,
      outDir: join(dir, 'candidate'), workDir: dir, holdoutFraction: policy.holdoutFraction, signal: o.signal,
      onProgress: (p) => stage(`train: ${p.stage}`, p.done, p.total, p.message),
    })
    o.signal.throwIfAborted()

    stage('evaluate', 0, 2)
    const holdout = trained.holdout.map((i) => rows[i]!)
    const candidate = await d.evaluate(trained.dir, holdout)
    stage('evaluate', 1, 2)
    const currentEval = await d.evaluate(parentPackage, holdout)
    stage('evaluate', 2, 2)
    const evaluation = judge(policy, candidate, currentEval)
    update({ evaluation })
    if (!evaluation.passed) {
      return { ...current, state: 'rejected', progress: null }
    }
    o.signal.throwIfAborted()

    stage('register', 0, 1)
    const record = await pushModel(trained.dir, { registry: d.registry, blobs: d.blobs, keys: d.keys, source: `the candidate of job ${job.id}` })
    update({ candidateVersion: record.version })
    stage('register', 1, 1, `${record.name}@${record.version}`)

    if (!policy.canary) return { ...current, state: 'succeeded', progress: null }
    stage('canary', 0, 1)
    const spec = parseRolloutFlags('', {
      ...policy.canaryGates,
      model: `${record.name}@${record.version}`, target: policy.canaryTarget, waves: policy.canaryWaves, soak: policy.canarySoak,
      ...(policy.canaryShadow !== '' && policy.canaryShadow !== '0' ? { shadow: policy.canaryShadow } : {}),
    })
    const { id: _id, previousVersion: _p, ...create } = spec
    try {
      const created = await d.rollouts.create(create, `retraining job ${job.id}`)
      return { ...current, state: 'succeeded', rolloutId: created.rollout.id, progress: null }
    } catch (err) {
      // registered, but another rollout of the model runs: say so rather than fail the job
      if ((err as HubError).code !== 'HUB_ROLLOUT_CONFLICT') throw err
      return { ...current, state: 'succeeded', progress: { stage: 'canary', done: 0, total: 1, message: `not started: ${(err as Error).message}`.slice(0, 1024) } }
    }
  }
}

/** The candidate against the current version on the policy's metric and margin. */
export function judge(policy: Pick<RetrainPolicy, 'metric' | 'margin'>, candidate: ClassifierEvaluation, current: ClassifierEvaluation): EvaluationView {
  const figures = (e: ClassifierEvaluation) => ({ accuracy: e.accuracy, macroF1: e.macroF1, rows: e.rows })
  const improvement = candidate[policy.metric] - current[policy.metric]
  return {
    metric: policy.metric, holdoutRows: candidate.rows, candidate: figures(candidate), current: figures(current),
    improvement, margin: policy.margin, passed: candidate.rows > 0 && improvement >= policy.margin - 1e-12,
  }
}

/** Above every registered version: the highest one's minor + 1 (1.2.3 → 1.3.0). */
export function nextVersion(versions: readonly Pick<ModelVersionRecord, 'version'>[]): string {
  const highest = versions.map((v) => v.version).sort(semver.compare).at(-1)
  return highest ? semver.inc(highest, 'minor')! : '1.0.0'
}
