import type { JobView } from '@edgefleet/protocol'
import { evaluationRows, evaluationVerdict, formatDifference } from '../../state/job-evaluation.ts'

/**
 * The gate's evaluation: candidate and current version on the same holdout (the newest labelled samples, never
 * trained on), every metric with its difference, the gate's metric first; improvement against the margin.
 */
export function JobEvaluationTable({ job }: { job: JobView }) {
  const e = job.evaluation
  if (!e) {
    const why = job.finishedAt === null ? 'Not evaluated yet: the candidate is judged once it is trained.' : `No evaluation: the job ended ${job.state} before it got there.`
    return <p class="muted">{why}</p>
  }
  const verdict = evaluationVerdict(e)
  const rows = evaluationRows(e)
  return (
    <>
      <dl class="facts">
        <div><dt>Gate</dt><dd><span class={`badge ${verdict.tone}`}>{verdict.word}</span></dd></div>
        <div><dt>Improvement</dt><dd>{formatDifference(e.metric, e.improvement, { signed: true })}</dd></div>
        <div><dt>Margin</dt><dd>{formatDifference(e.metric, e.margin)}</dd></div>
        <div><dt>Holdout</dt><dd>{e.holdoutRows.toLocaleString()} labelled samples</dd></div>
      </dl>
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">Evaluation on the holdout</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col" class="num">Candidate</th>
              <th scope="col" class="num">Current{job.parentVersion ? ` (${job.parentVersion})` : ''}</th>
              <th scope="col" class="num">Difference</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.metric}>
                <th scope="row">{r.label}{r.gated && <span class="muted"> (gate)</span>}</th>
                <td class="num">{r.candidate}</td>
                <td class="num">{r.current}</td>
                <td class="num">{r.difference}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
