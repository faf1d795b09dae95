import type { RolloutView } from '@edgefleet/protocol'
import { stageRows } from '../../state/rollout-progress.ts'

/** One progress bar per stage (`Wave 1`, …; the shadow stage first), with its device counts per state. */
export function RolloutWaves({ rollout }: { rollout: RolloutView }) {
  return (
    <ol class="waves">
      {stageRows(rollout).map((row) => (
        <li key={row.label} class={`wave wave-${row.phase}`}>
          <span class="wave-label">
            {row.label} <span class="muted">({row.percent} %{row.phase === 'current' ? ', current' : ''})</span>
          </span>
          <progress aria-label={row.label} max={row.max} value={row.value} />
          <span class="wave-counts">{row.countsText}</span>
        </li>
      ))}
    </ol>
  )
}
