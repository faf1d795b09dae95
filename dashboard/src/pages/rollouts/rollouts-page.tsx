import type { ModelVersionList, RolloutList } from '@edgefleet/protocol'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import { applyModelEvents } from '../../state/model-versions.ts'
import { applyRolloutEvents } from '../../state/rollout-list.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { RolloutForm } from './rollout-form.tsx'
import { RolloutTable } from './rollout-table.tsx'

/** Start a rollout, and every rollout with its state; both lists (versions, rollouts) update live. */
export function RolloutsPage() {
  const { api } = useHub()
  const models = useSynced<ModelVersionList>('models', (signal) => api.models(signal), applyModelEvents)
  const rollouts = useSynced<RolloutList>('rollouts', (signal) => api.rollouts(signal), applyRolloutEvents)
  return (
    <>
      <h1 tabIndex={-1}>Rollouts</h1>
      {models.error !== null && <ErrorMessage error={models.error} what="Could not load the model versions" onRetry={models.reload} />}
      <RolloutForm versions={models.data?.versions ?? null} />
      <section aria-labelledby="rollout-list-heading">
        <h2 id="rollout-list-heading">All rollouts</h2>
        {rollouts.error !== null && <ErrorMessage error={rollouts.error} what="Could not load the rollouts" onRetry={rollouts.reload} />}
        {rollouts.data === null && rollouts.error === null && <Loading what="rollouts" />}
        {rollouts.data && <RolloutTable rollouts={rollouts.data.rollouts} />}
      </section>
    </>
  )
}
