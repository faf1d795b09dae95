import type { JobTrigger, JobView } from '@edgefleet/protocol'

/** A new, queued job. */
export function queuedJob(o: { id: string; model: string; trigger: JobTrigger; reason: string; trainer: string; by: string | null; now: number }): JobView {
  return {
    id: o.id, model: o.model, trigger: o.trigger, reason: o.reason.slice(0, 1024), state: 'queued', parentVersion: null, trainer: o.trainer,
    progress: null, snapshot: null, evaluation: null, candidateVersion: null, rolloutId: null, error: null,
    createdAt: o.now, startedAt: null, finishedAt: null, by: o.by,
  }
}

export const ACTIVE_JOB_STATES = ['queued', 'running'] as const
export const isActive = (j: Pick<JobView, 'state'>): boolean => (ACTIVE_JOB_STATES as readonly string[]).includes(j.state)
