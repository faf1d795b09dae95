import type { RolloutView } from '@edgefleet/protocol'
import { DateTime } from '../../components/time-text.tsx'

/** The rollout's history, newest first. */
export function RolloutHistory({ history }: { history: RolloutView['history'] }) {
  const entries = [...history].reverse()
  return (
    <ol aria-label="History" class="timeline">
      {entries.map((h, i) => (
        <li key={`${h.at}-${i}`} class="timeline-item">
          <DateTime ts={h.at} />
          <strong>{h.event}</strong>
          <span>{h.message}</span>
        </li>
      ))}
    </ol>
  )
}
