import type { ModelVersionList, ModelVersionView } from '@edgefleet/protocol'
import { useMemo } from 'preact/hooks'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import { applyModelEvents, groupByModel, summaryOf, upsertVersion } from '../../state/model-versions.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { ModelUploadForm } from './model-upload-form.tsx'
import { ModelVersionTable } from './model-version-table.tsx'
import { useVersionViews } from './use-version-views.ts'

/** Registered model versions per model (metrics, lineage) and the upload form; new versions arrive live. */
export function ModelsPage() {
  const { api } = useHub()
  const list = useSynced<ModelVersionList>('models', (signal) => api.models(signal), applyModelEvents)
  const groups = useMemo(() => groupByModel(list.data?.versions ?? []), [list.data])
  const views = useVersionViews(list.data?.versions ?? [])
  const uploaded = (view: ModelVersionView) => list.update((l) => upsertVersion(l, summaryOf(view)))

  return (
    <>
      <h1 tabIndex={-1}>Models</h1>
      <ModelUploadForm onUploaded={uploaded} />
      {list.error !== null && <ErrorMessage error={list.error} what="Could not load the model versions" onRetry={list.reload} />}
      {list.data === null && list.error === null && <Loading what="model versions" />}
      {list.data && groups.length === 0 && (
        <p class="muted">No model versions registered yet: upload a package above, or run <code>edgefleet model push &lt;dir&gt;</code>.</p>
      )}
      {groups.map((g) => (
        <section key={g.name} aria-labelledby={`model-${g.name}`}>
          <h2 id={`model-${g.name}`}>{g.name}</h2>
          <ModelVersionTable group={g} views={views} />
        </section>
      ))}
    </>
  )
}
