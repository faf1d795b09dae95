import type { DriftWindowList } from '@edgefleet/protocol'
import { useMemo, useState } from 'preact/hooks'
import { ErrorMessage } from '../../components/error-message.tsx'
import { DRIFT_STATISTICS, driftSeries, type DriftStatistic } from '../../charts/chart-data.ts'
import { driftSummary, thresholdSummary } from '../../charts/chart-summary.ts'
import { UPlotChart } from '../../charts/uplot-chart.tsx'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'

/** Windows asked for: the newest 200 judged windows of this device on its model version. */
const WINDOWS = 200

interface Props {
  id: string
  model: { name: string; version: string } | null
  refresh: number
}

/**
 * The top features' drift statistic per judged window, for the device and the model version it serves, with
 * their alert threshold as a dashed line and, above the chart, how many features are over theirs.
 */
export function DriftChart({ id, model, refresh }: Props) {
  if (!model) {
    return (
      <figure class="chart">
        <figcaption>Drift statistics</figcaption>
        <p class="muted chart-note">The device reports no model yet, so it has no drift history.</p>
      </figure>
    )
  }
  return <DriftHistory id={id} model={model} refresh={refresh} />
}

function DriftHistory({ id, model, refresh }: Props & { model: { name: string; version: string } }) {
  const { api } = useHub()
  const [statistic, setStatistic] = useState<DriftStatistic>('psi')
  const history = useSynced<DriftWindowList>(
    `drift:${id}:${model.name}@${model.version}`,
    (signal) => api.driftHistory({ model: model.name, version: model.version, deviceId: id, limit: WINDOWS }, signal),
    null,
    refresh,
  )
  const windows = history.data?.windows
  const data = useMemo(() => (windows ? driftSeries(windows, statistic) : null), [windows, statistic])

  return (
    <>
      <label class="inline-field">
        Statistic
        <select value={statistic} onChange={(e) => setStatistic(e.currentTarget.value as DriftStatistic)}>
          {Object.entries(DRIFT_STATISTICS).map(([key, label]) => <option key={key} value={key}>{label}</option>)}
        </select>
      </label>
      {history.error !== null && <ErrorMessage error={history.error} what="Could not load the drift history" onRetry={history.reload} />}
      <UPlotChart caption="Drift statistics" data={data ?? { x: [], series: [] }} style={{ yLabel: DRIFT_STATISTICS[statistic] }}
        summary={windows ? driftSummary(windows, statistic) : ''} pending={!windows}
        note={!windows
          ? (history.error === null ? 'Loading…' : 'Not loaded.')
          : windows.length === 0 ? `No judged drift windows yet for ${model.name}@${model.version} on this device.` : thresholdSummary(windows, statistic)} />
    </>
  )
}
