import type { RolloutView } from '@edgefleet/protocol'
import { RelativeTime } from '../../components/time-text.tsx'
import { useNow } from '../../components/use-now.ts'
import { hrefFor } from '../../routing/route.ts'
import { shortRolloutId } from '../../state/rollout-list.ts'
import { StateBadge } from './state-badge.tsx'

/** Rollouts, newest first: a link per rollout (model@version and its id), state, wave, target, age. */
export function RolloutTable({ rollouts }: { rollouts: readonly RolloutView[] }) {
  const now = useNow()
  if (rollouts.length === 0) return <p class="muted">No rollouts yet: start one above.</p>
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr><th scope="col">Rollout</th><th scope="col">State</th><th scope="col">Wave</th><th scope="col">Target</th><th scope="col">Created</th></tr>
        </thead>
        <tbody>
          {rollouts.map((r) => (
            <tr key={r.id}>
              <td>
                <a href={hrefFor({ page: 'rollout', id: r.id })}>
                  {r.model.name}@{r.model.version} <span class="muted">· {shortRolloutId(r)}</span>
                </a>
              </td>
              <td><StateBadge state={r.state} /></td>
              <td class="num">{Math.min(r.wave + 1, r.waves.length)} of {r.waves.length}</td>
              <td class="truncate" title={r.target}>{r.target}</td>
              <td><RelativeTime ts={r.createdAt} now={now} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
