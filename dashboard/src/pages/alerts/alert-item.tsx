import type { AlertView } from '@edgefleet/protocol'
import { useState } from 'preact/hooks'
import { describeError } from '../../api/api-error.ts'
import { RelativeTime } from '../../components/time-text.tsx'
import { hrefFor } from '../../routing/route.ts'
import { useHub } from '../../sync/hub-context.ts'

interface Props {
  view: AlertView
  now: number
  onAcknowledged: (view: AlertView) => void
  /** the id of the hint saying why this token may not acknowledge (Acknowledge is then disabled); null when it may */
  ackBlockedBy: string | null
}

/** One alert: state, severity, kind, model version, device or fleet, message, time, and Acknowledge. */
export function AlertItem({ view, now, onAcknowledged, ackBlockedBy }: Props) {
  const { api } = useHub()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const a = view.alert
  const raised = a.state === 'raised'

  const acknowledge = async () => {
    setBusy(true)
    setError(null)
    try {
      onAcknowledged(await api.acknowledgeAlert(a.id))
    } catch (err) {
      setError(describeError(err))
      setBusy(false)
    }
  }

  return (
    <li class={`alert-item ${raised ? 'alert-raised' : 'alert-cleared'}`}>
      <div class="alert-head">
        <span class={`badge ${raised ? (a.severity === 'critical' ? 'tone-bad' : 'tone-warn') : 'tone-ok'}`}>{a.state}</span>
        {raised && <span class="muted">{a.severity}</span>}
        <strong>{a.kind}</strong>
        <span>{a.model.name}@{a.model.version}</span>
        <span>
          {a.scope === 'fleet' || !a.deviceId ? 'fleet' : <>device <a href={hrefFor({ page: 'device', id: a.deviceId })}>{a.deviceId}</a></>}
        </span>
        <RelativeTime ts={a.ts} now={now} />
      </div>
      <p class="alert-message">{a.message}</p>
      <div class="alert-ack">
        {view.ack ? (
          <span class="muted">Acknowledged by {view.ack.by}{view.ack.note ? `: ${view.ack.note}` : ''}</span>
        ) : (
          <button type="button" class="secondary small" disabled={busy || ackBlockedBy !== null} aria-describedby={ackBlockedBy ?? undefined}
            onClick={() => void acknowledge()}>
            Acknowledge
          </button>
        )}
        {error && <span role="alert" class="error">{error}</span>}
      </div>
    </li>
  )
}
