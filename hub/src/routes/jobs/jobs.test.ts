import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { shippedPackageDir } from '@edgefleet/models'
import type { JobView, RolloutView } from '@edgefleet/protocol'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'
import { ModelBlobs } from '../../models/model-blobs.ts'
import { pushModel } from '../../models/push-model.ts'
import { hubPaths } from '../../paths.ts'
import { labelledSamples } from '../../test-support/labelled-samples.ts'

let dataDir: string
let app: FastifyInstance
let token: string

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-jobs-routes-'))
  const config = loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {})
  // few epochs keep the test short; the canary starts with a shadow stage as by default
  app = await build({ config: { ...config, retraining: { 'gas-sensor': { epochs: 5, canaryShadow: '1m', canaryGates: { maxConfidenceDrop: '5%' } } } } })
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
  await pushModel(shippedPackageDir('gas-sensor'), { registry: app.registry, blobs: new ModelBlobs(hubPaths(dataDir).models), keys: app.signingKeys })
})

afterEach(async () => {
  await app.close()
  await rm(dataDir, { recursive: true, force: true })
})

const call = (o: InjectOptions & { url: string }) => app.inject({ ...o, headers: { authorization: `Bearer ${token}`, ...o.headers } })

async function finished(id: string): Promise<JobView> {
  for (let i = 0; i < 600; i++) {
    const job = (await call({ url: `/api/v1/jobs/${id}` })).json() as JobView
    if (!['queued', 'running'].includes(job.state)) return job
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`job ${id} did not finish within 120 s`)
}

describe('retraining jobs', () => {
  it('retrain gas-sensor on labelled samples of a later batch: a better 1.1.0 is registered with its lineage and canaried', async () => {
    await labelledSamples(app.datasets, 6, 300)
    const created = await call({ method: 'POST', url: '/api/v1/jobs', payload: { model: 'gas-sensor' } })
    expect(created.statusCode).toBe(201)
    const job = created.json() as JobView
    expect(job).toMatchObject({ state: 'queued', trigger: 'manual', by: 'ops', trainer: 'builtin (TF.js MLP)' })
    expect((await call({ method: 'POST', url: '/api/v1/jobs', payload: { model: 'gas-sensor' } })).json()).toMatchObject({ statusCode: 409, code: 'HUB_JOB_CONFLICT' })

    const done = await finished(job.id)
    expect(done).toMatchObject({ state: 'succeeded', parentVersion: '1.0.0', snapshot: 1, candidateVersion: '1.1.0', error: null })
    const e = done.evaluation!
    expect(e.metric).toBe('accuracy')
    expect(e.holdoutRows).toBe(60)
    expect(e.candidate.accuracy).toBeGreaterThan(e.current.accuracy! + e.margin)
    expect(e.passed).toBe(true)

    const version = await app.registry.getModelVersion('gas-sensor', '1.1.0')
    expect(version).toMatchObject({ parentVersion: '1.0.0' })
    expect(version!.manifest.training.data).toMatch(/^Retrained from gas-sensor@1.0.0 on gas-sensor dataset snapshot 1 \(300 labelled samples\): .*the newest 60 by ts held out/)
    const rollout = (await call({ url: `/api/v1/rollouts/${done.rolloutId}` })).json() as RolloutView
    expect(rollout).toMatchObject({ model: { name: 'gas-sensor', version: '1.1.0' }, target: 'all', waves: [10, 100], shadow: { soakMs: 60_000 }, gates: { maxConfidenceDrop: 0.05 } })
    expect(rollout.history[0]?.message ?? '').toBeTypeOf('string')
  })

  it('reject a candidate that is not better by the margin, and register nothing', async () => {
    await labelledSamples(app.datasets, 4, 160)
    await app.close()
    const config = loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {})
    app = await build({ config: { ...config, retraining: { 'gas-sensor': { epochs: 1, margin: 1 } } } })
    const job = (await call({ method: 'POST', url: '/api/v1/jobs', payload: { model: 'gas-sensor', reason: 'an impossible margin' } })).json() as JobView
    const done = await finished(job.id)
    expect(done).toMatchObject({ state: 'rejected', candidateVersion: null, rolloutId: null, reason: 'an impossible margin' })
    expect(done.evaluation).toMatchObject({ margin: 1, passed: false })
    expect(await app.registry.getModelVersion('gas-sensor', '1.1.0')).toBeNull()
  })

  it('refuse a policy whose canary names a gate that does not exist, at start', async () => {
    const config = loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {})
    await expect(build({ config: { ...config, retraining: { 'gas-sensor': { canaryGates: { maxLatncyIncrease: 'off' } } } } }))
      .rejects.toMatchObject({ code: 'HUB_CONFIG_INVALID', message: expect.stringMatching(/retraining\.gas-sensor\.canaryGates: unknown maxLatncyIncrease; use maxFailureRate, /) })
  })

  it('fail with a clear code when there are too few labels, and refuse unknown models and bad filters', async () => {
    await labelledSamples(app.datasets, 4, 20)
    const job = (await call({ method: 'POST', url: '/api/v1/jobs', payload: { model: 'gas-sensor' } })).json() as JobView
    expect(await finished(job.id)).toMatchObject({ state: 'failed', error: { code: 'HUB_JOB_TOO_FEW_LABELS', message: expect.stringMatching(/has 20 labelled samples; this job needs 50/) } })
    expect((await call({ method: 'POST', url: '/api/v1/jobs', payload: { model: 'vibration' } })).json()).toMatchObject({ statusCode: 404, code: 'HUB_MODEL_NOT_FOUND' })
    expect((await call({ url: '/api/v1/jobs?state=done' })).json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
    expect((await call({ url: '/api/v1/jobs?model=gas-sensor' })).json()).toMatchObject({ jobs: [{ id: job.id }] })
    expect((await app.inject({ url: '/api/v1/jobs' })).json()).toMatchObject({ statusCode: 401 })
  })
})
