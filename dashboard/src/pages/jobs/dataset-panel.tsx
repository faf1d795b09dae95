import type { DatasetSummary, JobView } from '@edgefleet/protocol'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import { DateTime } from '../../components/time-text.tsx'
import { formatFraction } from '../../format/format-number.ts'
import { accuracyRows, countRows } from '../../state/dataset-summary.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { useThrottledRefresh } from '../../sync/use-throttled-refresh.ts'
import { useJobsApi } from './jobs-api.ts'

function CountTable({ caption, what, counts }: { caption: string; what: string; counts: Readonly<Record<string, number>> }) {
  const rows = countRows(counts)
  return (
    <div class="table-scroll">
      <table>
        <caption>{caption}</caption>
        <thead><tr><th scope="col">{what}</th><th scope="col" class="num">Samples</th></tr></thead>
        <tbody>
          {rows.map((r) => <tr key={r.key}><th scope="row">{r.key}</th><td class="num">{r.count.toLocaleString()}</td></tr>)}
          {rows.length === 0 && <tr><td colSpan={2} class="muted">none yet</td></tr>}
        </tbody>
      </table>
    </div>
  )
}

/** Which versions a job involves, to mark them in the accuracy table. */
function versionMark(version: string, job: JobView): string | null {
  if (version === job.candidateVersion) return 'candidate'
  if (version === job.parentVersion) return 'parent'
  return null
}

/**
 * The job's model's training data: samples by reason, labelled samples by class, and the accuracy each version
 * measured on its labelled samples (what the fleet really achieves). Labels arrive without live events: it loads
 * again when a job of the model finishes and after every reconnection.
 */
export function DatasetPanel({ job }: { job: JobView }) {
  const jobs = useJobsApi()
  const model = job.model
  const refresh = useThrottledRefresh((m) => m.type === 'job' && m.body.job.model === model && m.body.job.finishedAt !== null, 5000)
  const summary = useSynced<DatasetSummary>(`dataset:${model}`, (signal) => jobs.dataset(model, signal), null, refresh)
  const s = summary.data
  if (summary.error !== null) return <ErrorMessage error={summary.error} what={`Could not load the data set of ${model}`} onRetry={summary.reload} />
  if (!s) return <Loading what="the data set" />
  const accuracy = accuracyRows(s)
  return (
    <>
      <dl class="facts">
        <div><dt>Samples</dt><dd>{s.samples.toLocaleString()}</dd></div>
        <div><dt>Labelled</dt><dd>{s.labelled.toLocaleString()}{s.samples > 0 && <span class="muted"> ({formatFraction(s.labelled / s.samples)})</span>}</dd></div>
        <div><dt>Oldest sample</dt><dd>{s.oldest === null ? '—' : <DateTime ts={s.oldest} />}</dd></div>
        <div><dt>Newest sample</dt><dd>{s.newest === null ? '—' : <DateTime ts={s.newest} />}</dd></div>
      </dl>
      <div class="dataset-grid">
        <div class="table-scroll">
          <table>
            <caption>Measured accuracy per version</caption>
            <thead>
              <tr><th scope="col">Version</th><th scope="col" class="num">Labelled</th><th scope="col" class="num">Correct</th><th scope="col" class="num">Accuracy</th></tr>
            </thead>
            <tbody>
              {accuracy.map((v) => {
                const mark = versionMark(v.version, job)
                return (
                  <tr key={v.version}>
                    <th scope="row">{v.version}{mark && <span class="muted version-mark"> ({mark})</span>}</th>
                    <td class="num">{v.labelled.toLocaleString()}</td>
                    <td class="num">{v.correct.toLocaleString()}</td>
                    <td class="num">{v.accuracy}</td>
                  </tr>
                )
              })}
              {accuracy.length === 0 && <tr><td colSpan={4} class="muted">no labelled predictions yet</td></tr>}
            </tbody>
          </table>
        </div>
        <CountTable caption="Samples by reason" what="Reason" counts={s.byReason} />
        <CountTable caption="Labelled samples by class" what="Class" counts={s.byClass} />
      </div>
    </>
  )
}
