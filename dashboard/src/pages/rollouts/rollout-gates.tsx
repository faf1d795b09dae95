import type { RolloutView } from '@edgefleet/protocol'
import { formatGateFigure } from '../../state/rollout-progress.ts'

function verdictWord(r: { passed: boolean; judged: boolean }): { word: string; tone: string } {
  if (!r.judged) return { word: 'not judged yet', tone: 'tone-muted' }
  return r.passed ? { word: 'passed', tone: 'tone-ok' } : { word: 'failed', tone: 'tone-bad' }
}

/** The gates' current verdicts over the devices updated so far, with their figures and thresholds. */
export function RolloutGates({ rollout }: { rollout: RolloutView }) {
  const v = rollout.verdict
  const overall = !v.decided ? 'Not decided yet' : v.passed ? 'All gates pass' : 'A gate fails'
  return (
    <>
      <p>{overall}, over {v.executed} {v.executed === 1 ? 'device' : 'devices'} that finished installing.</p>
      {v.results.length > 0 && (
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">Gate verdicts</caption>
            <thead>
              <tr><th scope="col">Gate</th><th scope="col">Verdict</th><th scope="col">Value</th><th scope="col">Threshold</th><th scope="col">Detail</th></tr>
            </thead>
            <tbody>
              {v.results.map((g) => {
                const verdict = verdictWord(g)
                return (
                  <tr key={g.gate}>
                    <th scope="row">{g.gate}</th>
                    <td><span class={`badge ${verdict.tone}`}>{verdict.word}</span></td>
                    <td class="num">{formatGateFigure(g.gate, g.value)}</td>
                    <td class="num">{formatGateFigure(g.gate, g.threshold)}</td>
                    <td>{g.message}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}
