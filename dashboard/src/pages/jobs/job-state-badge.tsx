import type { JobView } from '@edgefleet/protocol'

const TONE: Record<JobView['state'], string> = {
  queued: 'tone-muted', running: 'tone-info', succeeded: 'tone-ok', rejected: 'tone-warn', failed: 'tone-bad', cancelled: 'tone-muted',
}

/** A job state as a word in a coloured badge (the word carries the meaning; colour only helps). */
export function JobStateBadge({ state }: { state: JobView['state'] }) {
  return <span class={`badge ${TONE[state] ?? 'tone-muted'}`}>{state}</span>
}
