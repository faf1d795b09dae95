import { describe, expect, it } from 'vitest'
import { rollout, rolloutEvent } from '../test-fixtures.ts'
import { applyJobEvents, applyJobUpdate, isJobActive, upsertJob } from './job-list.ts'
import { job, jobEvent } from './job-test-fixtures.ts'

describe('job list', () => {
  it('adds a new job on top and updates an existing one in place', () => {
    const list = { jobs: [job('b', { createdAt: 2 }), job('a', { createdAt: 1 })] }
    const next = applyJobEvents(list, [
      jobEvent(job('c', { createdAt: 3 })),
      jobEvent(job('a', { createdAt: 1, state: 'running', progress: { stage: 'snapshot', done: 0, total: 1 } })),
    ])
    expect(next.jobs.map((j) => [j.id, j.state])).toEqual([['c', 'queued'], ['b', 'queued'], ['a', 'running']])
  })

  it('keeps the list as it is when no job event came', () => {
    const list = { jobs: [job('a')] }
    expect(applyJobEvents(list, [rolloutEvent(rollout('r'))])).toBe(list)
  })

  it('never takes a finished job back to running (a late command answer after the live event)', () => {
    const done = job('a', { state: 'cancelled', startedAt: 10, finishedAt: 20 })
    const list = applyJobEvents({ jobs: [] }, [jobEvent(done)])
    const running = job('a', { state: 'running', startedAt: 10, progress: { stage: 'train: train', done: 3, total: 40 } })
    expect(upsertJob(list, running)).toBe(list)
    expect(applyJobUpdate(done, [jobEvent(running)])).toBe(done)
  })

  it("follows only its own job's events on the detail page, the last one winning", () => {
    const j = job('a')
    expect(applyJobUpdate(j, [jobEvent(job('b', { state: 'running' }))])).toBe(j)
    const progress = (done: number) => jobEvent(job('a', { state: 'running', progress: { stage: 'train: train', done, total: 40 } }))
    expect(applyJobUpdate(j, [progress(1), progress(2)]).progress?.done).toBe(2)
  })

  it('offers Cancel for queued and running jobs only', () => {
    expect(['queued', 'running', 'succeeded', 'rejected', 'failed', 'cancelled'].filter((state) => isJobActive({ state: state as 'queued' })))
      .toEqual(['queued', 'running'])
  })
})
