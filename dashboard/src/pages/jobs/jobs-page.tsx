import type { JobList, JobView, ModelVersionList } from '@edgefleet/protocol'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import { useNow } from '../../components/use-now.ts'
import { applyJobEvents, upsertJob } from '../../state/job-list.ts'
import { applyModelEvents } from '../../state/model-versions.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { JobItem } from './job-item.tsx'
import { useJobsApi } from './jobs-api.ts'
import { RetrainForm } from './retrain-form.tsx'
import './jobs.css'

/** Jobs listed (the hub allows up to 1000). */
const LIMIT = 100

/** Retrain a model by hand, and every retraining job, newest first, live from `job` events. */
export function JobsPage() {
  const { api } = useHub()
  const jobsApi = useJobsApi()
  const models = useSynced<ModelVersionList>('models', (signal) => api.models(signal), applyModelEvents)
  const jobs = useSynced<JobList>('jobs', (signal) => jobsApi.jobs({ limit: LIMIT }, signal), applyJobEvents)
  const now = useNow(5000)
  const changed = (job: JobView) => jobs.update((list) => upsertJob(list, job))
  return (
    <>
      <h1 tabIndex={-1}>Jobs</h1>
      {models.error !== null && <ErrorMessage error={models.error} what="Could not load the models" onRetry={models.reload} />}
      <RetrainForm versions={models.data?.versions ?? null} onQueued={changed} />
      <section aria-labelledby="job-list-heading">
        <h2 id="job-list-heading">Retraining jobs</h2>
        {jobs.error !== null && <ErrorMessage error={jobs.error} what="Could not load the jobs" onRetry={jobs.reload} />}
        {jobs.data === null && jobs.error === null && <Loading what="jobs" />}
        {jobs.data && jobs.data.jobs.length === 0 && (
          <p class="muted">No retraining jobs yet: start one above. Drift alerts, new labels and schedules start them too, as each model's retraining policy says.</p>
        )}
        {jobs.data && jobs.data.jobs.length > 0 && (
          <ol aria-label="Jobs" class="job-list">
            {jobs.data.jobs.map((j) => <JobItem key={j.id} job={j} now={now} onChanged={changed} />)}
          </ol>
        )}
      </section>
    </>
  )
}
