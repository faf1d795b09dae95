import type { DeviceEventList } from '@edgefleet/protocol'
import { useMemo } from 'preact/hooks'
import { ErrorMessage } from '../../components/error-message.tsx'
import { DateTime } from '../../components/time-text.tsx'
import { applyAlertEvents, feedFromList, type AlertFeed } from '../../state/alerts-feed.ts'
import { deviceTimeline } from '../../state/device-timeline.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { useThrottledRefresh } from '../../sync/use-throttled-refresh.ts'

/** Events and alerts loaded for the timeline (each, newest first). */
const LIMIT = 100

const TONE_WORD = { ok: 'ok', bad: 'problem', warn: 'warning', info: 'info' } as const

/** The device's stored events (deploy steps, errors, command results) merged with its alerts, newest first. */
export function DeviceTimeline({ id }: { id: string }) {
  const { api } = useHub()
  // stored events reach the page only as `deploy` events: reload the list on them, at most every 5 s
  const refresh = useThrottledRefresh((m) => m.type === 'deploy' && m.body.deviceId === id)
  const events = useSynced<DeviceEventList>(`events:${id}`, (signal) => api.deviceEvents(id, LIMIT, signal), null, refresh)
  const alerts = useSynced<AlertFeed>(
    `device-alerts:${id}`,
    async (signal) => feedFromList(await api.alerts({ deviceId: id, limit: LIMIT }, signal)),
    (feed, messages) => applyAlertEvents(feed, messages, { deviceId: id }),
  )
  const entries = useMemo(
    () => deviceTimeline(events.data?.events ?? [], alerts.data?.alerts ?? []),
    [events.data, alerts.data],
  )
  const loading = events.data === null && events.error === null

  return (
    <>
      {events.error !== null && <ErrorMessage error={events.error} what="Could not load the device's events" onRetry={events.reload} />}
      {alerts.error !== null && <ErrorMessage error={alerts.error} what="Could not load the device's alerts" onRetry={alerts.reload} />}
      <ol aria-label="Events" class="timeline" aria-busy={loading}>
        {entries.map((e) => (
          <li key={e.key} class={`timeline-item tone-border-${e.tone}`}>
            <DateTime ts={e.ts} />
            <span class={`badge tone-${e.tone}`}>{e.kind === 'alert' ? 'alert' : TONE_WORD[e.tone]}</span>
            <strong>{e.title}</strong>
            {e.detail && <span class="muted">{e.detail}</span>}
          </li>
        ))}
      </ol>
      {!loading && entries.length === 0 && <p class="muted">No events or alerts from this device yet.</p>}
    </>
  )
}
