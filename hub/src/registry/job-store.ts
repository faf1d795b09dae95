import type { JobView } from '@edgefleet/protocol'

/** Retraining jobs (registry migration 4): each stored as the API shows it. */
export interface JobStore {
  /** Inserts or replaces a job. */
  saveJob(job: JobView, at: number): Promise<void>
  getJob(id: string): Promise<JobView | null>
  /** Newest first. */
  listJobs(filter?: { model?: string; states?: readonly string[]; limit?: number }): Promise<JobView[]>
}
