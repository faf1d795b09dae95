import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JobView } from '@edgefleet/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteRegistry } from '../../registry/sqlite-registry.ts'
import { JobService, type JobRun } from './job-service.ts'

const quiet = { info: () => {}, warn: () => {}, error: () => {} }
let dir: string
let registry: SqliteRegistry
const services: JobService[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ef-jobs-'))
  registry = await SqliteRegistry.open(join(dir, 'registry.db'))
})

afterEach(async () => {
  for (const s of services.splice(0)) await s.close()
  registry.close()
  await rm(dir, { recursive: true, force: true })
})

/** A run that waits for `release` (or the job's cancellation), then succeeds. */
function gatedRun() {
  const started: string[] = []
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const run: JobRun = async (job, o) => {
    started.push(job.id)
    o.update({ progress: { stage: 'train', done: 1, total: 2 } })
    await Promise.race([gate, new Promise((_, reject) => o.signal.addEventListener('abort', () => reject(o.signal.reason as Error)))])
    return { ...job, state: 'succeeded', candidateVersion: '1.1.0' }
  }
  return { run, started, release: () => release() }
}

function service(run: JobRun, concurrency = 1) {
  const changes: JobView[] = []
  const s = new JobService({ store: registry, run, concurrency, trainerOf: () => 'test trainer', logger: quiet, onChange: (j) => changes.push(j), progressMs: 0 })
  services.push(s)
  return { s, changes }
}

const until = async (f: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 200 && !(await f()); i++) await new Promise((r) => setTimeout(r, 10))
  expect(await f()).toBe(true)
}

describe('JobService', () => {
  it('runs a queued job to its end, storing each change and telling the live feed', async () => {
    const g = gatedRun()
    const { s, changes } = service(g.run)
    const job = await s.create({ model: 'gas-sensor', trigger: 'manual', reason: 'try', by: 'ops' })
    expect(job).toMatchObject({ state: 'queued', trainer: 'test trainer', by: 'ops' })
    await until(async () => (await s.get(job.id))?.state === 'running')
    expect((await s.get(job.id))?.progress).toEqual({ stage: 'train', done: 1, total: 2 })
    g.release()
    await until(async () => (await s.get(job.id))?.state === 'succeeded')
    const done = (await s.get(job.id))!
    expect(done.candidateVersion).toBe('1.1.0')
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt!)
    expect(changes.map((c) => c.state)).toEqual(['queued', 'running', 'running', 'succeeded'])
  })

  it('refuses a second job of a model while one is queued or running, and runs one job at a time', async () => {
    const g = gatedRun()
    const { s } = service(g.run)
    const a = await s.create({ model: 'gas-sensor', trigger: 'manual', reason: 'a', by: null })
    await expect(s.create({ model: 'gas-sensor', trigger: 'drift', reason: 'b', by: null })).rejects.toMatchObject({ code: 'HUB_JOB_CONFLICT' })
    const other = await s.create({ model: 'vibration', trigger: 'manual', reason: 'c', by: null })
    await until(async () => g.started.length === 1)
    await new Promise((r) => setTimeout(r, 50))
    expect(g.started).toEqual([a.id])
    expect((await s.get(other.id))?.state).toBe('queued')
    g.release()
    await until(async () => (await s.get(other.id))?.state === 'succeeded')
  })

  it('cancels a queued job at once and a running one through its signal', async () => {
    const g = gatedRun()
    const { s } = service(g.run)
    const running = await s.create({ model: 'a', trigger: 'manual', reason: 'x', by: null })
    const queued = await s.create({ model: 'b', trigger: 'manual', reason: 'y', by: null })
    await until(async () => (await s.get(running.id))?.state === 'running')
    expect(await s.cancel(queued.id, 'ops')).toMatchObject({ state: 'cancelled', error: { code: 'HUB_JOB_CANCELLED' } })
    await s.cancel(running.id, 'ops')
    await until(async () => (await s.get(running.id))?.state === 'cancelled')
    expect((await s.get(running.id))?.error).toEqual({ code: 'HUB_JOB_CANCELLED', message: 'cancelled by ops' })
    await expect(s.cancel(running.id, 'ops')).rejects.toMatchObject({ code: 'HUB_JOB_STATE' })
    await expect(s.cancel('nope', 'ops')).rejects.toMatchObject({ code: 'HUB_JOB_NOT_FOUND' })
  })

  it('records a failed run with its code, and goes on with the next job', async () => {
    const { s } = service(async (job) => {
      if (job.model === 'bad') throw Object.assign(new Error('the trainer exited with code 2'), { code: 'HUB_JOB_FAILED' })
      return { ...job, state: 'rejected' }
    })
    const bad = await s.create({ model: 'bad', trigger: 'manual', reason: 'x', by: null })
    const next = await s.create({ model: 'good', trigger: 'manual', reason: 'y', by: null })
    await until(async () => (await s.get(next.id))?.state === 'rejected')
    expect((await s.get(bad.id))).toMatchObject({ state: 'failed', error: { code: 'HUB_JOB_FAILED', message: 'the trainer exited with code 2' } })
  })

  it('queues again, after a restart, a job that was running when the hub stopped', async () => {
    const stuck: JobView = {
      id: 'gas-sensor-1', model: 'gas-sensor', trigger: 'drift', reason: 'drift alert a1', state: 'running', parentVersion: '1.0.0', trainer: 't',
      progress: { stage: 'train', done: 3, total: 40 }, snapshot: 2, evaluation: null, candidateVersion: null, rolloutId: null, error: null,
      createdAt: 1, startedAt: 2, finishedAt: null, by: null,
    }
    await registry.saveJob(stuck, 2)
    const g = gatedRun()
    const { s } = service(g.run)
    await s.start()
    await until(async () => g.started.includes('gas-sensor-1'))
    expect((await s.get('gas-sensor-1'))?.reason).toBe('drift alert a1 (restarted: the hub stopped while it ran)')
    g.release()
    await until(async () => (await s.get('gas-sensor-1'))?.state === 'succeeded')
  })
})
