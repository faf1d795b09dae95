import type { DeviceView } from '@edgefleet/protocol'
import { useEffect, useState } from 'preact/hooks'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import type { TimedValue } from '../../charts/chart-data.ts'
import type { LiveMessage } from '../../live/live-events.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { useThrottledRefresh } from '../../sync/use-throttled-refresh.ts'
import { DeploymentPanel } from './deployment-panel.tsx'
import { DeviceStatus } from './device-status.tsx'
import { DeviceTimeline } from './device-timeline.tsx'
import { DriftChart } from './drift-chart.tsx'
import { PredictionCharts } from './prediction-charts.tsx'

/** Most p95 reports kept in memory for the latency chart. */
const MAX_P95_REPORTS = 5000

function latestDevice(device: DeviceView, messages: readonly LiveMessage[]): DeviceView {
  let out = device
  for (const m of messages) if (m.type === 'device' && m.body.device.id === device.id) out = m.body.device
  return out
}

/** p95 latencies the device reported (in its status messages) while this page was open. */
function useP95Reports(device: DeviceView | null): TimedValue[] {
  const [reports, setReports] = useState<TimedValue[]>([])
  const health = device?.health
  useEffect(() => {
    const value = health?.latencyP95Ms
    if (!health || value === undefined) return
    setReports((r) => (r.some((x) => x.at === health.at) ? r : [...r, { at: health.at, value }].slice(-MAX_P95_REPORTS)))
  }, [health])
  return reports
}

/** One device: status, prediction and drift charts, deployment, and its events merged with its alerts. */
export function DevicePage({ id }: { id: string }) {
  const { api } = useHub()
  const device = useSynced<DeviceView>(`device:${id}`, (signal) => api.device(id, signal), latestDevice)
  // charts are derived from stored telemetry: reload them when the device reports, at most every 5 s
  const refresh = useThrottledRefresh((m) => m.type === 'device' && m.body.device.id === id)
  const p95 = useP95Reports(device.data)

  return (
    <>
      <h1 tabIndex={-1}>{id}</h1>
      {device.error !== null && <ErrorMessage error={device.error} what={`Could not load device ${id}`} onRetry={device.reload} />}
      {device.data === null && device.error === null && <Loading what="the device" />}
      {device.data && <DeviceStatus device={device.data} />}
      <section aria-labelledby="charts-heading">
        <h2 id="charts-heading">Predictions</h2>
        <PredictionCharts id={id} refresh={refresh} p95={p95} />
      </section>
      <section aria-labelledby="drift-heading">
        <h2 id="drift-heading">Drift</h2>
        <DriftChart id={id} model={device.data?.model ?? null} refresh={refresh} />
      </section>
      {/* full width: model names, steps and their details need the room */}
      <section aria-labelledby="deployment-heading">
        <h2 id="deployment-heading">Deployment</h2>
        <DeploymentPanel id={id} running={device.data?.model ?? null} />
      </section>
      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        <DeviceTimeline id={id} />
      </section>
    </>
  )
}
