import type { JobView } from '@edgefleet/protocol'
import type { SqliteStatements } from '../sqlite/sqlite-statements.ts'
import type { JobStore } from './job-store.ts'

/** The retraining-jobs table of the SQLite registry (migration 4). */
export class SqliteJobs implements JobStore {
  constructor(private readonly q: SqliteStatements) {}

  async saveJob(job: JobView, at: number): Promise<void> {
    this.q.exec(() => this.q.stmt(`INSERT INTO retraining_jobs (id, model, state, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body, updated_at = excluded.updated_at`)
      .run(job.id, job.model, job.state, JSON.stringify(job), job.createdAt, at))
  }

  async getJob(id: string): Promise<JobView | null> {
    const row = this.q.exec(() => this.q.stmt('SELECT body FROM retraining_jobs WHERE id = ?').get(id) as { body: string } | undefined)
    return row ? (JSON.parse(row.body) as JobView) : null
  }

  async listJobs(filter: { model?: string; states?: readonly string[]; limit?: number } = {}): Promise<JobView[]> {
    const rows = this.q.exec(() => (filter.model === undefined
      ? this.q.stmt('SELECT body, state FROM retraining_jobs ORDER BY created_at DESC, id DESC').all()
      : this.q.stmt('SELECT body, state FROM retraining_jobs WHERE model = ? ORDER BY created_at DESC, id DESC').all(filter.model)) as { body: string; state: string }[])
    const states = filter.states
    return rows.filter((r) => !states || states.includes(r.state)).slice(0, filter.limit ?? rows.length).map((r) => JSON.parse(r.body) as JobView)
  }
}
