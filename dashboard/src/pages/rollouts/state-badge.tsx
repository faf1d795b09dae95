const TONE: Record<string, string> = {
  shadow: 'tone-info', rolling: 'tone-info', soaking: 'tone-info', paused: 'tone-warn',
  completed: 'tone-ok', aborted: 'tone-bad', 'rolled-back': 'tone-warn',
}

/** A rollout state as a word in a coloured badge (the word carries the meaning; colour only helps). */
export function StateBadge({ state, label }: { state: string; label?: string }) {
  return <span class={`badge ${TONE[state] ?? 'tone-muted'}`} aria-label={label}>{state}</span>
}
