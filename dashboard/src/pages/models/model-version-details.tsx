import type { ModelVersionView } from '@edgefleet/protocol'
import { DateTime } from '../../components/time-text.tsx'
import { formatFraction } from '../../format/format-number.ts'

const metricValue = (v: number) => (Math.abs(v) <= 1 && !Number.isInteger(v) ? v.toLocaleString(undefined, { maximumSignificantDigits: 4 }) : v.toLocaleString())

/** A version's training facts, headline metrics, evaluations and lineage (ancestors and children). */
export function ModelVersionDetails({ view }: { view: ModelVersionView }) {
  const t = view.manifest.training
  const { ancestors, children } = view.lineage
  return (
    <div class="details">
      {view.manifest.description && <p>{view.manifest.description}</p>}
      <dl class="facts">
        <div><dt>Task</dt><dd>{view.manifest.task}</dd></div>
        <div><dt>Training data</dt><dd>{t.data}</dd></div>
        <div><dt>Library</dt><dd>{t.library}</dd></div>
        <div><dt>sha256</dt><dd><code class="hash">{view.sha256}</code></dd></div>
        <div><dt>Signature expires</dt><dd><DateTime ts={view.signature.expiresAt} /></dd></div>
        <div>
          <dt>Lineage</dt>
          <dd>
            {ancestors.length === 0 ? 'no parent' : ancestors.map((a) => `${a.name}@${a.version}${a.registered ? '' : ' (not registered)'}`).join(' ← ')}
            {children.length > 0 && <> · trained from it: {children.map((c) => `${c.name}@${c.version}`).join(', ')}</>}
          </dd>
        </div>
      </dl>
      {Object.keys(t.metrics).length > 0 && (
        <>
          <h3>Metrics</h3>
          <dl class="facts">
            {Object.entries(t.metrics).map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{metricValue(v)}</dd></div>)}
          </dl>
        </>
      )}
      {t.evaluations.length > 0 && (
        <div class="table-scroll">
          <table>
            <caption>Evaluations</caption>
            <thead><tr><th scope="col">Data set</th><th scope="col">Samples</th><th scope="col">Accuracy</th><th scope="col">Macro-F1</th></tr></thead>
            <tbody>
              {t.evaluations.map((e) => (
                <tr key={e.dataset}>
                  <td>{e.dataset}</td><td class="num">{e.samples.toLocaleString()}</td>
                  <td class="num">{formatFraction(e.accuracy)}</td><td class="num">{formatFraction(e.macroF1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}
