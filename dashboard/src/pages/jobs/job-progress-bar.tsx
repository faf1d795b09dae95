import type { JobView } from '@edgefleet/protocol'
import { progressBar, progressText } from '../../state/job-progress.ts'

/** A running job's bar (`Progress of <id>`), described by its stage, count and message. */
export function JobProgressBar({ job }: { job: JobView }) {
  if (job.state !== 'running') return null
  const p = job.progress ?? { stage: 'starting', done: 0, total: 0 }
  const bar = progressBar(p)
  const textId = `job-${job.id}-stage`
  return (
    <div class="job-progress">
      <progress aria-label={`Progress of ${job.id}`} aria-describedby={textId} max={bar.max} {...(bar.value === null ? {} : { value: bar.value })} />
      <span id={textId}>{progressText(p)}</span>
    </div>
  )
}
