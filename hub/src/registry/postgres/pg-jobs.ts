import type { JobView } from '@edgefleet/protocol'
import type { JobStore } from '../job-store.ts'
import type { PgQueries } from './pg-queries.ts'

/** The retraining-jobs table of the PostgreSQL registry (migration 4). */
export class PgJobs implements JobStore {
  constructor(private readonly q: PgQueries) {}

  async saveJob(job: JobView, at: number): Promise<void> {
    await this.q.run(`INSERT INTO retraining_jobs (id, model, state, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body, updated_at = excluded.updated_at`,
    [job.id, job.model, job.state, JSON.stringify(job), job.createdAt, at])
  }

  async getJob(id: string): Promise<JobView | null> {
    const row = await this.q.one<{ body: string }>('SELECT body FROM retraining_jobs WHERE id = $1', [id])
    return row ? (JSON.parse(row.body) as JobView) : null
  }

  async listJobs(filter: { model?: string; states?: readonly string[]; limit?: number } = {}): Promise<JobView[]> {
    const rows = filter.model === undefined
      ? await this.q.rows<{ body: string; state: string }>('SELECT body, state FROM retraining_jobs ORDER BY created_at DESC, id COLLATE "C" DESC')
      : await this.q.rows<{ body: string; state: string }>('SELECT body, state FROM retraining_jobs WHERE model = $1 ORDER BY created_at DESC, id COLLATE "C" DESC', [filter.model])
    const states = filter.states
    return rows.filter((r) => !states || states.includes(r.state)).slice(0, filter.limit ?? rows.length).map((r) => JSON.parse(r.body) as JobView)
  }
}
