import type { JobList, JobView } from '@edgefleet/protocol'
import type { LiveMessage } from '../live/live-events.ts'

/** States in which a job still runs, or waits to: the ones Cancel applies to. */
export function isJobActive(job: Pick<JobView, 'state'>): boolean {
  return job.state === 'queued' || job.state === 'running'
}

/**
 * The view to keep of one job, given the one held and one that came later (a live event, or the answer of a
 * command): the later one, unless it would take a finished job back to running. Views carry no revision, and
 * a command's answer can arrive after the live event of a newer change; a job never leaves a final state.
 */
export function laterJobView(held: JobView, next: JobView): JobView {
  return held.finishedAt !== null && next.finishedAt === null ? held : next
}

/** The list with `job` put in place (or added), newest first. */
export function upsertJob(list: JobList, job: JobView): JobList {
  const held = list.jobs.find((j) => j.id === job.id)
  const view = held ? laterJobView(held, job) : job
  if (view === held) return list
  const jobs = [view, ...list.jobs.filter((j) => j.id !== job.id)]
  return { jobs: jobs.sort((a, b) => b.createdAt - a.createdAt) }
}

/** Jobs, newest first, with each `job` event's view put in place. */
export function applyJobEvents(list: JobList, messages: readonly LiveMessage[]): JobList {
  let out = list
  for (const m of messages) if (m.type === 'job') out = upsertJob(out, m.body.job)
  return out
}

/** One job with the latest `job` event about it (others ignored). */
export function applyJobUpdate(job: JobView, messages: readonly LiveMessage[]): JobView {
  let out = job
  for (const m of messages) if (m.type === 'job' && m.body.job.id === job.id) out = laterJobView(out, m.body.job)
  return out
}
