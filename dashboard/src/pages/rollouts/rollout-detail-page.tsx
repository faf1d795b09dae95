import type { RolloutView } from '@edgefleet/protocol'
import { useRef } from 'preact/hooks'
import { ErrorMessage, Loading } from '../../components/error-message.tsx'
import { formatDuration } from '../../format/format-time.ts'
import { applyRolloutUpdate } from '../../state/rollout-list.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useSynced } from '../../sync/use-synced.ts'
import { useThrottledRefresh } from '../../sync/use-throttled-refresh.ts'
import { RolloutControls } from './rollout-controls.tsx'
import { RolloutGates } from './rollout-gates.tsx'
import { RolloutHistory } from './rollout-history.tsx'
import { RolloutWaves } from './rollout-waves.tsx'
import { StateBadge } from './state-badge.tsx'

/** One rollout: state, commands, progress per wave, gate verdicts and history; live from `rollout` events. */
export function RolloutDetailPage({ id }: { id: string }) {
  const { api } = useHub()
  const modelName = useRef<string | null>(null)
  // the hub sends `rollout` events when it saves the rollout; device counts also move between saves (a
  // status naming the new version makes a device `active`, even after the rollout completed): reload on
  // this rollout's deploy steps and on statuses of devices serving its model, at most every 2 s
  const refresh = useThrottledRefresh(
    (m) => (m.type === 'deploy' && m.body.deployment.rolloutId === id) || (m.type === 'device' && m.body.device.model?.name === modelName.current),
    2000,
  )
  const rollout = useSynced<RolloutView>(`rollout:${id}`, (signal) => api.rollout(id, signal), applyRolloutUpdate, refresh)
  const r = rollout.data
  modelName.current = r?.model.name ?? null
  return (
    <>
      <h1 tabIndex={-1}>Rollout {id}</h1>
      {rollout.error !== null && <ErrorMessage error={rollout.error} what={`Could not load rollout ${id}`} onRetry={rollout.reload} />}
      {!r && rollout.error === null && <Loading what="the rollout" />}
      {r && (
        <>
          <p class="lead">
            <strong>{r.model.name}@{r.model.version}</strong>
            {r.previousVersion && <> (replacing {r.previousVersion})</>} on <code>{r.target}</code>:{' '}
            <span role="status" aria-label="Rollout state"><StateBadge state={r.state} /></span>
            {r.reason && <span class="muted"> — {r.reason}</span>}
          </p>
          <RolloutControls rollout={r} onChanged={(next) => rollout.update(() => next)} />
          <dl class="facts">
            <div><dt>Waves</dt><dd>{r.waves.map((w) => `${w} %`).join(', ')}</dd></div>
            <div><dt>Soak</dt><dd>{formatDuration(r.soakMs)}</dd></div>
            <div><dt>Wave timeout</dt><dd>{formatDuration(r.waveTimeoutMs)}</dd></div>
            <div><dt>Shadow stage</dt><dd>{r.shadow ? `${formatDuration(r.shadow.soakMs)} on ${r.shadow.percent} %` : 'none'}</dd></div>
            <div><dt>Targeted</dt><dd>{r.progress.targeted} devices{r.progress.unassigned > 0 ? `, ${r.progress.unassigned} not assigned yet` : ''}</dd></div>
          </dl>
          <section aria-labelledby="waves-heading">
            <h2 id="waves-heading">Progress</h2>
            <RolloutWaves rollout={r} />
          </section>
          <section aria-labelledby="gates-heading">
            <h2 id="gates-heading">Gates</h2>
            <RolloutGates rollout={r} />
          </section>
          <section aria-labelledby="history-heading">
            <h2 id="history-heading">History</h2>
            <RolloutHistory history={r.history} />
          </section>
        </>
      )}
    </>
  )
}
