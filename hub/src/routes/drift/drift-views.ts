import type { DriftScopeView, DriftStateQuery, DriftWindowView } from '@edgefleet/protocol'
import type { DriftScopeSnapshot } from '../../drift/drift-engine.ts'
import type { DriftWindowRecord } from '../../telemetry/drift-records.ts'

/**
 * The scopes a `GET /api/v1/drift` query asks for, sorted: by model name and version, each fleet
 * scope before its devices, devices by id.
 */
export function selectScopes(scopes: readonly DriftScopeSnapshot[], q: DriftStateQuery): DriftScopeView[] {
  return scopes
    .filter((s) =>
      (q.model === undefined || s.model.name === q.model)
      && (q.version === undefined || s.model.version === q.version)
      && (q.deviceId === undefined || s.deviceId === q.deviceId)
      && (q.fleet === undefined || (s.scope === 'fleet') === q.fleet)
      && (q.raised === undefined || (s.raised.length > 0) === q.raised))
    .sort((a, b) => cmp(a.model.name, b.model.name) || cmp(a.model.version, b.model.version) || cmp(a.deviceId ?? '', b.deviceId ?? ''))
    .map((s) => ({ ...s, model: { ...s.model }, raised: [...s.raised], drifted: [...s.drifted] }))
}

/** A stored window as the REST API shows it. */
export function windowView(r: DriftWindowRecord): DriftWindowView {
  return {
    ts: r.ts,
    start: r.start,
    scope: r.deviceId === null ? 'fleet' : 'device',
    deviceId: r.deviceId,
    seq: r.seq,
    model: { name: r.model, version: r.version },
    count: r.count,
    driftShare: r.driftShare,
    dataDrift: r.dataDrift,
    features: r.features,
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
