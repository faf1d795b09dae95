import type { JobView } from '@edgefleet/protocol'
import { useId, useState } from 'preact/hooks'
import { describeError } from '../../api/api-error.ts'
import { RoleHint } from '../../components/role-hint.tsx'
import { isJobActive } from '../../state/job-list.ts'
import { useRoleShortfall } from '../../sync/identity-context.ts'
import { useJobsApi } from './jobs-api.ts'

/**
 * Cancel, for a queued or running job: the hub drops a queued job at once and stops a running one at its next
 * epoch or step (the job stays `running` until then). Its refusal shows beside the button; disabled, saying
 * why, for a token below operator.
 */
export function CancelJobButton({ job, onChanged }: { job: JobView; onChanged: (job: JobView) => void }) {
  const jobs = useJobsApi()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const shortfall = useRoleShortfall('operator')
  const hintId = useId()
  if (!isJobActive(job)) return null

  const cancel = async () => {
    setBusy(true)
    setError(null)
    try {
      onChanged(await jobs.cancelJob(job.id))
    } catch (err) {
      setError(describeError(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <span class="job-cancel">
      <button type="button" class="secondary small" disabled={busy || shortfall !== null} aria-describedby={shortfall ? hintId : undefined}
        onClick={() => void cancel()}>
        Cancel<span class="visually-hidden"> job {job.id}</span>
      </button>
      <RoleHint id={hintId} text={shortfall} />
      {error && <span role="alert" class="error">{error}</span>}
    </span>
  )
}
