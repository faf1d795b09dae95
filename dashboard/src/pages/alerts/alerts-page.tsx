import { useId, useState } from 'preact/hooks'
import type { AlertView } from '@edgefleet/protocol'
import { describeError } from '../../api/api-error.ts'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import { RoleHint } from '../../components/role-hint.tsx'
import { useNow } from '../../components/use-now.ts'
import { appendPage, applyAlertEvents, feedFromList, upsertAlert, type AlertFeed, type AlertFeedFilter } from '../../state/alerts-feed.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useRoleShortfall } from '../../sync/identity-context.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { AlertItem } from './alert-item.tsx'

/** Alerts per page (the hub allows up to 500). */
const PAGE = 100

type StateFilter = 'all' | 'unacknowledged'

/**
 * The alert feed, newest first, live: new alerts appear on top, acknowledgements in place. A token below
 * operator sees Acknowledge disabled, and why once above the list.
 */
export function AlertsPage() {
  const { api } = useHub()
  const [show, setShow] = useState<StateFilter>('all')
  const filter: AlertFeedFilter = show === 'unacknowledged' ? { unacknowledged: true } : {}
  const feed = useSynced<AlertFeed>(
    `alerts:${show}`,
    async (signal) => feedFromList(await api.alerts({ limit: PAGE, ...(show === 'unacknowledged' ? { acknowledged: false } : {}) }, signal)),
    (f, messages) => applyAlertEvents(f, messages, filter),
  )
  const now = useNow()
  const [moreError, setMoreError] = useState<string | null>(null)
  const ackShortfall = useRoleShortfall('operator', 'Acknowledging alerts')
  const ackHintId = useId()

  const loadOlder = async () => {
    const before = feed.data?.next
    if (!before) return
    setMoreError(null)
    try {
      const page = await api.alerts({ limit: PAGE, before, ...(show === 'unacknowledged' ? { acknowledged: false } : {}) })
      feed.update((f) => appendPage(f, page))
    } catch (err) {
      setMoreError(describeError(err))
    }
  }
  const acknowledged = (view: AlertView) => feed.update((f) => upsertAlert(f, view, filter))

  return (
    <>
      <h1 tabIndex={-1}>Alerts</h1>
      <div class="filters">
        <label>
          State
          <select value={show} onChange={(e) => setShow(e.currentTarget.value as StateFilter)}>
            <option value="all">all</option>
            <option value="unacknowledged">unacknowledged</option>
          </select>
        </label>
        <RoleHint id={ackHintId} text={ackShortfall} />
      </div>
      {feed.error !== null && <ErrorMessage error={feed.error} what="Could not load the alerts" onRetry={feed.reload} />}
      {feed.data === null && feed.error === null && <Loading what="alerts" />}
      {feed.data && (
        <>
          <ul aria-label="Alerts" class="alert-list">
            {feed.data.alerts.map((a) => (
              <AlertItem key={a.alert.id} view={a} now={now} onAcknowledged={acknowledged} ackBlockedBy={ackShortfall ? ackHintId : null} />
            ))}
          </ul>
          {feed.data.alerts.length === 0 && (
            <p class="muted">{show === 'unacknowledged' ? 'Every alert has been acknowledged.' : 'No alerts yet: drift alerts appear here as the hub raises them.'}</p>
          )}
          {feed.data.next && <button type="button" class="secondary" onClick={() => void loadOlder()}>Load older alerts</button>}
          {moreError && <p role="alert" class="error">{moreError}</p>}
        </>
      )}
    </>
  )
}
