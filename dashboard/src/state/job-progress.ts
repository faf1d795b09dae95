import type { JobView } from '@edgefleet/protocol'
import { formatDuration } from '../format/format-time.ts'

type Progress = NonNullable<JobView['progress']>

/** Where a job got to: `train: train 12/40 · loss 0.4121`; a one-step stage without its count (`snapshot`). */
export function progressText(p: Progress): string {
  const count = p.total > 1 ? ` ${p.done}/${p.total}` : ''
  return `${p.stage}${count}${p.message ? ` · ${p.message}` : ''}`
}

/** A progress bar's figures: null `value` when the stage has no count yet (an indeterminate bar). */
export function progressBar(p: Progress): { value: number | null; max: number } {
  if (p.total <= 0) return { value: null, max: 1 }
  return { value: Math.min(p.done, p.total), max: p.total }
}

/**
 * How long the job ran: `took 2m 5s` once finished, `running for 40s` (`just started`) while it runs, null when it never
 * started (queued, or cancelled before it ran).
 */
export function jobTiming(job: Pick<JobView, 'startedAt' | 'finishedAt'>, now: number): string | null {
  if (job.startedAt === null) return null
  if (job.finishedAt !== null) return `took ${formatDuration(Math.max(0, job.finishedAt - job.startedAt))}`
  const running = now - job.startedAt
  // `now` ticks every few seconds: a job that started since reads as just started, never `0ms`
  return running < 1000 ? 'just started' : `running for ${formatDuration(running)}`
}
