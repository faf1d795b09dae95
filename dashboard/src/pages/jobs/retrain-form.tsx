import type { JobView, ModelVersionSummary } from '@edgefleet/protocol'
import { useId, useMemo, useState } from 'preact/hooks'
import { describeError } from '../../api/api-error.ts'
import { RoleHint } from '../../components/role-hint.tsx'
import { hrefFor } from '../../routing/route.ts'
import { modelChoices, retrainBody } from '../../state/retrain-form.ts'
import { useRoleShortfall } from '../../sync/identity-context.ts'
import { useJobsApi } from './jobs-api.ts'

/**
 * `POST /jobs`: retrain a model now (snapshot, train, evaluate against the current version, register if
 * better). The queued job joins the list below; the hub's refusal (a job of the model already runs) shows here.
 * Disabled, saying why, for a token below operator.
 */
export function RetrainForm({ versions, onQueued }: { versions: readonly ModelVersionSummary[] | null; onQueued: (job: JobView) => void }) {
  const jobs = useJobsApi()
  const id = useId()
  const choices = useMemo(() => modelChoices(versions ?? []), [versions])
  const [chosen, setChosen] = useState('')
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [queued, setQueued] = useState<JobView | null>(null)
  const shortfall = useRoleShortfall('operator')
  const model = choices.includes(chosen) ? chosen : (choices[0] ?? '')

  const submit = async (e: Event) => {
    e.preventDefault()
    if (!model) {
      setError('No model to retrain: register a version on the Models page first.')
      return
    }
    setBusy(true)
    setError(null)
    setQueued(null)
    try {
      const job = await jobs.createJob(retrainBody(model, reason))
      setQueued(job)
      setReason('')
      onQueued(job)
    } catch (err) {
      setError(describeError(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form aria-label="Retrain a model" class="card stack" onSubmit={submit}>
      <h2>Retrain a model</h2>
      <p class="muted">
        Snapshots the model's labelled samples, trains a candidate from its newest version, and registers it only when it beats
        that version on the newest samples by the policy's margin.
      </p>
      <div class="field-row">
        <label>
          Model
          <select value={model} disabled={choices.length === 0} onChange={(e) => setChosen(e.currentTarget.value)}>
            {choices.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        <div class="field">
          <label for={id}>Reason</label>
          <input id={id} type="text" value={reason} maxLength={1024} aria-describedby={`${id}-hint`} onInput={(e) => setReason(e.currentTarget.value)} />
          <small id={`${id}-hint`} class="muted">optional: why, for the job's record</small>
        </div>
      </div>
      {versions !== null && choices.length === 0 && <p class="muted">No model versions registered yet: upload one on the Models page.</p>}
      {error && <p role="alert" class="error">{error}</p>}
      <div class="actions">
        <button type="submit" disabled={busy || choices.length === 0 || shortfall !== null} aria-describedby={shortfall ? `${id}-role` : undefined}>
          Retrain
        </button>
        <RoleHint id={`${id}-role`} text={shortfall} />
      </div>
      <p role="status" class="success">
        {queued && <>Queued <a href={hrefFor({ page: 'job', id: queued.id })}>{queued.id}</a> for {queued.model}.</>}
      </p>
    </form>
  )
}
