import type { DeviceView } from '@edgefleet/protocol'
import { RelativeTime } from '../../components/time-text.tsx'
import { useNow } from '../../components/use-now.ts'
import { formatFraction, formatMs } from '../../format/format-number.ts'
import { driftOf } from '../../state/fleet-store.ts'

const DRIFT_TONE = { ok: 'tone-ok', drifting: 'tone-bad', unknown: 'tone-muted' } as const
/** Drifted features named in the status line; the chart below shows the strongest. */
const FEATURES_SHOWN = 6

function featureList(features: readonly string[]): string {
  const named = features.slice(0, FEATURES_SHOWN).join(', ')
  return features.length > FEATURES_SHOWN ? `${features.length} features, e.g. ${named}` : named
}

/** The device's state line: online, model, last seen, latency, errors, drift, agent and tags. */
export function DeviceStatus({ device: d }: { device: DeviceView }) {
  const now = useNow()
  const h = d.health ?? null
  const drift = driftOf(d)
  const runs = h?.inferenceRuns
  const errors = h?.inferenceErrors
  return (
    <dl class="status-line" aria-label="Device status">
      <div><dt>Status</dt><dd><span class={`badge ${d.online ? 'tone-ok' : 'tone-muted'}`}>{d.online ? 'online' : 'offline'}</span></dd></div>
      <div><dt>Model</dt><dd>{d.model ? `${d.model.name}@${d.model.version}` : '—'}</dd></div>
      <div><dt>Last seen</dt><dd><RelativeTime ts={d.lastSeen} now={now} /></dd></div>
      <div><dt>Latency</dt><dd>{formatMs(h?.latencyMs)} mean · {formatMs(h?.latencyP95Ms)} p95</dd></div>
      <div>
        <dt>Inference errors</dt>
        <dd>{runs === undefined ? '—' : `${errors ?? 0} of ${runs.toLocaleString()} runs`}</dd>
      </div>
      <div>
        <dt>Drift</dt>
        <dd>
          <span class={`badge ${DRIFT_TONE[drift]}`}>{drift}</span>
          {h?.drift && h.drift.features.length > 0 && <span class="muted"> {featureList(h.drift.features)}</span>}
        </dd>
      </div>
      {h?.shadow && (
        <div>
          <dt>Shadow</dt>
          <dd>{h.shadow.name}@{h.shadow.version}: agreement {formatFraction(h.shadow.agreement)} over {h.shadow.samples.toLocaleString()} samples</dd>
        </div>
      )}
      <div><dt>Agent</dt><dd>{d.agentVersion ?? '—'}{d.backend ? ` (${d.backend})` : ''}</dd></div>
      <div><dt>Tags</dt><dd>{Object.entries(d.tags).map(([k, v]) => `${k}=${v}`).join(', ') || '—'}</dd></div>
    </dl>
  )
}
