import { useMemo, useState } from 'preact/hooks'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import { useNow } from '../../components/use-now.ts'
import { applyDeviceEvents, fleetFromList, fleetSummary, selectDevices, type Fleet, type ShowFilter } from '../../state/fleet-store.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { DeviceTable } from './device-table.tsx'

/** Every device with its status, model, health and drift, filtered by tag and online state; live. */
export function FleetPage() {
  const { api } = useHub()
  const fleet = useSynced<Fleet>('fleet', async (signal) => fleetFromList(await api.devices({}, signal)), applyDeviceEvents)
  const [tagText, setTagText] = useState('')
  const [show, setShow] = useState<ShowFilter>('all')
  const now = useNow()
  const shown = useMemo(() => (fleet.data ? selectDevices(fleet.data, { tagText, show }) : []), [fleet.data, tagText, show])
  const total = fleet.data?.devices.size ?? 0

  return (
    <>
      <h1 tabIndex={-1}>Fleet</h1>
      <p role="status" aria-label="Fleet summary" class="summary">
        {fleet.data ? fleetSummary(fleet.data.devices.values()) : 'Loading…'}
      </p>
      <div class="filters" role="search" aria-label="Filter devices">
        <label>
          Filter by tag
          <input type="text" value={tagText} placeholder="site=lab" spellcheck={false} onInput={(e) => setTagText(e.currentTarget.value)} />
        </label>
        <label>
          Show
          <select value={show} onChange={(e) => setShow(e.currentTarget.value as ShowFilter)}>
            <option value="all">all</option>
            <option value="online">online</option>
            <option value="offline">offline</option>
          </select>
        </label>
        {fleet.data && shown.length !== total && <span class="muted">{shown.length} of {total} devices shown</span>}
      </div>
      {fleet.error !== null && <ErrorMessage error={fleet.error} what="Could not load the devices" onRetry={fleet.reload} />}
      {fleet.data === null && fleet.error === null && <Loading what="devices" />}
      {fleet.data && (
        <>
          <DeviceTable devices={shown} now={now} />
          {shown.length === 0 && (
            <p class="muted">
              {total === 0 ? 'No devices yet: add one on the hub with `edgefleet device add <id>`.' : 'No device matches the filter.'}
            </p>
          )}
        </>
      )}
    </>
  )
}
