import type { DatasetSummary, EvaluationView, JobView } from '@edgefleet/protocol'
import type { LiveMessage } from '../live/live-events.ts'

/** Builders of retraining views for unit tests: a valid view with the fields a test cares about overridden. */

export function job(id: string, over: Partial<JobView> = {}): JobView {
  return {
    id, model: 'gas-sensor', trigger: 'manual', reason: 'started by ops', state: 'queued', parentVersion: null, trainer: 'builtin',
    progress: null, snapshot: null, evaluation: null, candidateVersion: null, rolloutId: null, error: null,
    createdAt: 5_000, startedAt: null, finishedAt: null, by: 'ops',
    ...over,
  }
}

export function evaluation(over: Partial<EvaluationView> = {}): EvaluationView {
  return {
    metric: 'accuracy', holdoutRows: 120,
    candidate: { accuracy: 0.8142, macroF1: 0.79, rows: 120 }, current: { accuracy: 0.5083, macroF1: 0.41, rows: 120 },
    improvement: 0.3059, margin: 0.01, passed: true,
    ...over,
  }
}

export function datasetSummary(over: Partial<DatasetSummary> = {}): DatasetSummary {
  return {
    model: 'gas-sensor', samples: 900, labelled: 600, byReason: { random: 100, 'low-confidence': 500, drift: 300 },
    byClass: { ethanol: 250, acetone: 250, ammonia: 100 }, oldest: 1_000, newest: 9_000,
    accuracyByVersion: [{ version: '1.0.0', labelled: 500, correct: 254, accuracy: 0.508 }],
    ...over,
  }
}

export const jobEvent = (j: JobView): LiveMessage => ({ type: 'job', body: { job: j } })
