import type { ModelVersionView } from '@edgefleet/protocol'
import { Fragment } from 'preact'
import { useState } from 'preact/hooks'
import { DateTime } from '../../components/time-text.tsx'
import { formatBytes, formatFraction } from '../../format/format-number.ts'
import { headlineMetrics, type ModelGroup } from '../../state/model-versions.ts'
import { ModelVersionDetails } from './model-version-details.tsx'

interface Props {
  group: ModelGroup
  views: ReadonlyMap<string, ModelVersionView>
}

/** One model's versions, newest first; Details expands a version's metrics, evaluations and lineage. */
export function ModelVersionTable({ group, views }: Props) {
  const [open, setOpen] = useState<string | null>(null)
  return (
    <div class="table-scroll">
      <table>
        <caption class="visually-hidden">Versions of {group.name}</caption>
        <thead>
          <tr>
            <th scope="col">Version</th><th scope="col">Created</th><th scope="col">Size</th><th scope="col">Parent</th>
            <th scope="col">Accuracy</th><th scope="col">Macro-F1</th><th scope="col"><span class="visually-hidden">Details</span></th>
          </tr>
        </thead>
        <tbody>
          {group.versions.map((v) => {
            const ref = `${v.name}@${v.version}`
            const view = views.get(ref)
            const metrics = view ? headlineMetrics(view.manifest.training) : null
            const expanded = open === ref
            const detailsId = `details-${ref.replace(/[^A-Za-z0-9-]/g, '_')}`
            return (
              <Fragment key={ref}>
                <tr>
                  <th scope="row">{v.version}</th>
                  <td><DateTime ts={v.createdAt} /></td>
                  <td class="num">{formatBytes(v.size)}</td>
                  <td>{v.parentVersion ?? '—'}</td>
                  <td class="num">{metrics ? formatFraction(metrics.accuracy) : '…'}</td>
                  <td class="num">{metrics ? formatFraction(metrics.macroF1) : '…'}</td>
                  <td>
                    <button type="button" class="secondary small" aria-expanded={expanded} aria-controls={detailsId}
                      aria-label={`Details of ${ref}`} onClick={() => setOpen(expanded ? null : ref)}>
                      {expanded ? 'Hide' : 'Details'}
                    </button>
                  </td>
                </tr>
                {expanded && (
                  <tr id={detailsId} class="details-row">
                    <td colSpan={7}>{view ? <ModelVersionDetails view={view} /> : <p class="muted">Loading {ref}…</p>}</td>
                  </tr>
                )}
              </Fragment>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
