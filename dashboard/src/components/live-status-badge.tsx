import { useLiveStatus } from '../sync/hub-context.ts'

/** `Live` while the hub's event stream is subscribed, `Reconnecting…` otherwise (why, in the tooltip). */
export function LiveStatusBadge() {
  const { status } = useLiveStatus()
  const live = status.state === 'live'
  return (
    <span role="status" aria-label="Live updates" class={`badge ${live ? 'tone-ok' : 'tone-warn'}`} title={status.problem ?? undefined}>
      <span class="dot" aria-hidden="true" />
      {live ? 'Live' : 'Reconnecting…'}
    </span>
  )
}
