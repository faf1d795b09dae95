import type { JobView } from '@edgefleet/protocol'
import { RelativeTime } from '../../components/time-text.tsx'
import { hrefFor } from '../../routing/route.ts'
import { jobTiming } from '../../state/job-progress.ts'
import { CancelJobButton } from './cancel-job-button.tsx'
import { JobOutcomeFacts } from './job-outcome.tsx'
import { JobProgressBar } from './job-progress-bar.tsx'
import { JobStateBadge } from './job-state-badge.tsx'

interface Props {
  job: JobView
  now: number
  onChanged: (job: JobView) => void
}

/** One job: link, state, model, why it ran, progress while running, evaluation, result, error and Cancel. */
export function JobItem({ job, now, onChanged }: Props) {
  const headingId = `job-${job.id}`
  const timing = jobTiming(job, now)
  return (
    <li class={`job-item job-${job.state}`} aria-labelledby={headingId}>
      <div class="job-head">
        <a id={headingId} href={hrefFor({ page: 'job', id: job.id })}><strong>{job.id}</strong></a>
        <JobStateBadge state={job.state} />
        <span>{job.model}{job.parentVersion && <span class="muted"> from {job.parentVersion}</span>}</span>
        <RelativeTime ts={job.createdAt} now={now} />
        <CancelJobButton job={job} onChanged={onChanged} />
      </div>
      <p class="job-reason"><span class="badge tone-muted">{job.trigger}</span> {job.reason}</p>
      <JobProgressBar job={job} />
      <dl class="facts">
        <JobOutcomeFacts job={job} />
        {timing && <div><dt>Time</dt><dd>{timing}</dd></div>}
      </dl>
      {job.error && <p class={job.state === 'cancelled' ? 'job-error muted' : 'job-error error'}>{job.error.message} <span>({job.error.code})</span></p>}
    </li>
  )
}
