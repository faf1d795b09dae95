import type { ModelVersionSummary } from '@edgefleet/protocol'
import { useId, useMemo, useState } from 'preact/hooks'
import { describeError } from '../../api/api-error.ts'
import { RoleHint } from '../../components/role-hint.tsx'
import { hrefFor } from '../../routing/route.ts'
import { navigate } from '../../routing/use-route.ts'
import { versionChoices } from '../../state/model-versions.ts'
import { ROLLOUT_FORM_DEFAULTS, rolloutBody, type RolloutFormValues } from '../../state/rollout-form.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useRoleShortfall } from '../../sync/identity-context.ts'
import { TextField } from './text-field.tsx'

type Field = keyof Omit<RolloutFormValues, 'model'>

/** Gate fields: label, the CLI flag they stand for, and what the hub does when left empty. */
const GATES: { field: Field; label: string; hint: string }[] = [
  { field: 'maxFailureRate', label: 'Max failure rate', hint: 'failed installs tolerated; empty: 10%' },
  { field: 'maxErrorRate', label: 'Max error rate', hint: 'inference errors tolerated; empty: 1%' },
  { field: 'maxLatencyIncrease', label: 'Max latency increase', hint: 'p95 slower than before by at most; empty: 50%, or off' },
  { field: 'maxConfidenceDrop', label: 'Max confidence drop', hint: 'mean confidence lower by at most; empty: 10%, or off' },
  // not "Min shadow agreement": a label containing "Shadow" would also answer to the Shadow field's name
  { field: 'minShadowAgreement', label: 'Min agreement', hint: 'top-1 agreement of the shadow stage with the active model, e.g. 95%; empty: off' },
]

/**
 * `POST /rollouts` with the CLI's settings; opens the new rollout on success, shows the hub's refusal otherwise.
 * Start is disabled, saying why, for a token below operator.
 */
export function RolloutForm({ versions }: { versions: readonly ModelVersionSummary[] | null }) {
  const { api } = useHub()
  const choices = useMemo(() => versionChoices(versions ?? []), [versions])
  const [values, setValues] = useState<RolloutFormValues>({ model: '', ...ROLLOUT_FORM_DEFAULTS })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const shortfall = useRoleShortfall('operator')
  const hintId = useId()
  const model = choices.includes(values.model) ? values.model : (choices[0] ?? '')
  const set = (field: keyof RolloutFormValues) => (value: string) => setValues((v) => ({ ...v, [field]: value }))

  const submit = async (e: Event) => {
    e.preventDefault()
    if (!model) {
      setError('No model version to roll out: register one on the Models page first.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      const created = await api.createRollout(rolloutBody({ ...values, model }))
      navigate(hrefFor({ page: 'rollout', id: created.id }))
    } catch (err) {
      setError(describeError(err))
      setBusy(false)
    }
  }

  return (
    <form aria-label="New rollout" class="card stack" onSubmit={submit}>
      <h2>New rollout</h2>
      <div class="field-row">
        <label>
          Version
          <select value={model} disabled={choices.length === 0} onChange={(e) => set('model')(e.currentTarget.value)}>
            {choices.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        <TextField label="Target" value={values.target} onInput={set('target')} hint="all, tag:k=v or id,id,…" />
        <TextField label="Waves" value={values.waves} onInput={set('waves')} hint="cumulative %" />
        <TextField label="Soak" value={values.soak} onInput={set('soak')} hint="per wave, e.g. 5m" />
        <TextField label="Shadow" value={values.shadow} onInput={set('shadow')} hint="e.g. 30m; empty: no shadow stage" />
      </div>
      {versions !== null && choices.length === 0 && <p class="muted">No model versions registered yet: upload one on the Models page.</p>}
      <details class="gates">
        <summary>Gates</summary>
        <div class="field-row">
          {GATES.map((g) => <TextField key={g.field} label={g.label} value={values[g.field]} onInput={set(g.field)} hint={g.hint} />)}
        </div>
      </details>
      {error && <p role="alert" class="error">{error}</p>}
      <div class="actions">
        <button type="submit" disabled={busy || choices.length === 0 || shortfall !== null} aria-describedby={shortfall ? hintId : undefined}>
          {busy ? 'Starting…' : 'Start rollout'}
        </button>
        <RoleHint id={hintId} text={shortfall} />
      </div>
    </form>
  )
}
