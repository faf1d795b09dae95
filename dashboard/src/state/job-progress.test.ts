import { describe, expect, it } from 'vitest'
import { jobTiming, progressBar, progressText } from './job-progress.ts'

describe('job progress', () => {
  it('names the stage, its count and its message', () => {
    expect(progressText({ stage: 'train: train', done: 12, total: 40, message: 'loss 0.4121' })).toBe('train: train 12/40 · loss 0.4121')
    expect(progressText({ stage: 'snapshot', done: 0, total: 1 })).toBe('snapshot')
    expect(progressText({ stage: 'evaluate', done: 1, total: 2 })).toBe('evaluate 1/2')
  })

  it('draws an indeterminate bar for a stage without a count, and never past full', () => {
    expect(progressBar({ stage: 'external', done: 0, total: 0 })).toEqual({ value: null, max: 1 })
    expect(progressBar({ stage: 'train: train', done: 41, total: 40 })).toEqual({ value: 40, max: 40 })
  })

  it('says how long a job took, or has been running', () => {
    expect(jobTiming({ startedAt: null, finishedAt: null }, 10_000)).toBeNull()
    expect(jobTiming({ startedAt: 1_000, finishedAt: 126_000 }, 999_999)).toBe('took 2m 5s')
    expect(jobTiming({ startedAt: 1_000, finishedAt: null }, 41_000)).toBe('running for 40s')
    expect(jobTiming({ startedAt: 1_000, finishedAt: null }, 900)).toBe('just started')
  })
})
