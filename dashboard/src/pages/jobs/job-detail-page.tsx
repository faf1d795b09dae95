import type { JobView } from '@edgefleet/protocol'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import { DateTime } from '../../components/time-text.tsx'
import { useNow } from '../../components/use-now.ts'
import { applyJobUpdate, isJobActive, laterJobView } from '../../state/job-list.ts'
import { jobTiming } from '../../state/job-progress.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { CancelJobButton } from './cancel-job-button.tsx'
import { DatasetPanel } from './dataset-panel.tsx'
import { JobEvaluationTable } from './job-evaluation-table.tsx'
import { JobOutcomeFacts } from './job-outcome.tsx'
import { JobProgressBar } from './job-progress-bar.tsx'
import { JobStateBadge } from './job-state-badge.tsx'
import { useJobsApi } from './jobs-api.ts'
import './jobs.css'

/** One retraining job: state, progress, evaluation, result, error, and its model's data set; live from `job` events. */
export function JobDetailPage({ id }: { id: string }) {
  const jobs = useJobsApi()
  const job = useSynced<JobView>(`job:${id}`, (signal) => jobs.job(id, signal), applyJobUpdate)
  const now = useNow(5000)
  const j = job.data
  const timing = j ? jobTiming(j, now) : null
  return (
    <>
      <h1 tabIndex={-1}>Job {id}</h1>
      {job.error !== null && <ErrorMessage error={job.error} what={`Could not load job ${id}`} onRetry={job.reload} />}
      {!j && job.error === null && <Loading what="the job" />}
      {j && (
        <>
          <p class="lead">
            <strong>{j.model}</strong>{j.parentVersion && <> (retraining {j.parentVersion})</>}:{' '}
            <span role="status" aria-label="Job state"><JobStateBadge state={j.state} /></span>
          </p>
          <p class="job-reason"><span class="badge tone-muted">{j.trigger}</span> {j.reason}</p>
          {isJobActive(j) && (
            <div class="controls">
              <CancelJobButton job={j} onChanged={(next) => job.update((held) => laterJobView(held, next))} />
              <JobProgressBar job={j} />
            </div>
          )}
          {j.error && j.state === 'cancelled' && <p>Cancelled: {j.error.message} <span class="muted">({j.error.code})</span></p>}
          {j.error && j.state !== 'cancelled' && (
            <div class="error-box">
              <p><strong>Failed.</strong> {j.error.message} <span>({j.error.code})</span></p>
            </div>
          )}
          <dl class="facts">
            <JobOutcomeFacts job={j} />
            <div><dt>Trainer</dt><dd><code>{j.trainer}</code></dd></div>
            <div><dt>Snapshot</dt><dd>{j.snapshot === null ? 'not taken yet' : `#${j.snapshot}`}</dd></div>
            {j.by && <div><dt>Started by</dt><dd>{j.by}</dd></div>}
            <div><dt>Created</dt><dd><DateTime ts={j.createdAt} /></dd></div>
            <div><dt>Started</dt><dd>{j.startedAt === null ? 'not yet' : <DateTime ts={j.startedAt} />}</dd></div>
            {j.finishedAt !== null && <div><dt>Finished</dt><dd><DateTime ts={j.finishedAt} /></dd></div>}
            {timing && <div><dt>Time</dt><dd>{timing}</dd></div>}
          </dl>
          <section aria-labelledby="evaluation-heading">
            <h2 id="evaluation-heading">Evaluation</h2>
            <JobEvaluationTable job={j} />
          </section>
          <section aria-labelledby="dataset-heading">
            <h2 id="dataset-heading">Data set of {j.model}</h2>
            <DatasetPanel job={j} />
          </section>
        </>
      )}
    </>
  )
}
