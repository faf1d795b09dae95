import type { DeviceDeployment } from '@edgefleet/protocol'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import { CompactDateTime } from '../../components/time-text.tsx'
import { useNow } from '../../components/use-now.ts'
import { hrefFor } from '../../routing/route.ts'
import { applyDeployEvents, targetText } from '../../state/deployment-state.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { useThrottledRefresh } from '../../sync/use-throttled-refresh.ts'

const STATE_TONE: Record<string, string> = { succeeded: 'tone-ok', failed: 'tone-bad', started: 'tone-info', progress: 'tone-info' }

interface Props {
  id: string
  /** the version the device says it runs */
  running: { name: string; version: string } | null
}

/** What the hub wants the device to run (desired), what it runs, and each role's latest activation step. */
export function DeploymentPanel({ id, running }: Props) {
  const { api } = useHub()
  const now = useNow(60_000)
  // a deploy step can follow a new desired state, which the event does not carry: reload, at most every 5 s
  const refresh = useThrottledRefresh((m) => m.type === 'deploy' && m.body.deviceId === id)
  const dep = useSynced<DeviceDeployment>(`deployment:${id}`, (signal) => api.deployment(id, signal), applyDeployEvents, refresh)
  if (dep.error !== null) return <ErrorMessage error={dep.error} what="Could not load the deployment" onRetry={dep.reload} />
  if (!dep.data) return <Loading what="the deployment" />
  const { desired, deployments } = dep.data
  const wanted = desired?.active ?? null
  const inSync = wanted === null || (running !== null && wanted.name === running.name && wanted.version === running.version)

  return (
    <>
      <dl class="facts">
        <div><dt>Desired</dt><dd>{targetText(wanted)}{desired?.rollback ? ' (signed rollback)' : ''}</dd></div>
        <div>
          <dt>Active</dt>
          <dd>{targetText(running)} <span class={`badge ${inSync ? 'tone-ok' : 'tone-warn'}`}>{inSync ? 'in sync' : 'updating'}</span></dd>
        </div>
        {desired?.shadow && <div><dt>Shadow</dt><dd>{targetText(desired.shadow)}</dd></div>}
        {desired && <div><dt>Generation</dt><dd>{desired.generation}</dd></div>}
        {desired?.rolloutId && (
          <div><dt>Rollout</dt><dd><a href={hrefFor({ page: 'rollout', id: desired.rolloutId })}>{desired.rolloutId}</a></dd></div>
        )}
      </dl>
      {deployments.length === 0 ? (
        <p class="muted">No activation steps reported yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="deployment-table">
            <caption class="visually-hidden">Latest activation step per role</caption>
            <thead><tr><th scope="col">Role</th><th scope="col">Version</th><th scope="col">Step</th><th scope="col">State</th><th scope="col">When</th><th scope="col">Detail</th></tr></thead>
            <tbody>
              {deployments.map((d) => (
                <tr key={d.role}>
                  <td>{d.role}</td>
                  <td class="nowrap">{targetText(d.model)}</td>
                  <td class="nowrap">{d.step}</td>
                  <td><span class={`badge ${STATE_TONE[d.state] ?? 'tone-muted'}`}>{d.state}</span></td>
                  <td class="nowrap"><CompactDateTime ts={d.ts} now={now} /></td>
                  <td class="detail">{[d.code, d.message].filter(Boolean).join(' ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}
