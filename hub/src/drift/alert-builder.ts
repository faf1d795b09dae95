import { randomUUID } from 'node:crypto'
import type { Alert, AlertKind, DriftSignal, ModelRef } from '@edgefleet/protocol'
import { dataDriftSignals, type DriftPolicy, type WindowVerdict } from '@edgefleet/models/drift'

export interface AlertContext {
  kind: AlertKind
  transition: 'raised' | 'cleared'
  model: ModelRef
  /** null for fleet scope */
  deviceId: string | null
  window: { start: number; end: number; count: number }
  verdict: WindowVerdict
  policy: Pick<DriftPolicy, 'metric' | 'driftShare' | 'raiseAfter' | 'clearAfter'>
  now: number
}

const KIND_TEXT: Record<AlertKind, string> = {
  'data-drift': 'data drift',
  'prediction-drift': 'prediction drift',
  'confidence-drop': 'confidence drop',
}

/** The alert payload for one raise or clear: pure, apart from a fresh id. */
export function buildAlert(c: AlertContext): Alert {
  const where = c.deviceId === null ? `the fleet on ${c.model.name}@${c.model.version}` : `${c.deviceId} (${c.model.name}@${c.model.version})`
  const { signals, detail, severity } = describe(c)
  const lead = c.transition === 'raised'
    ? `${KIND_TEXT[c.kind]} on ${where}: ${detail}; raised after ${c.policy.raiseAfter} drifted window(s) in a row`
    : `${KIND_TEXT[c.kind]} cleared on ${where} after ${c.policy.clearAfter} clean window(s) in a row: ${detail}`
  const alert: Alert = {
    v: 1,
    id: randomUUID(),
    ts: c.now,
    kind: c.kind,
    state: c.transition,
    severity,
    model: { name: c.model.name, version: c.model.version },
    scope: c.deviceId === null ? 'fleet' : 'device',
    window: { ...c.window },
    signals,
    message: lead.length > 1000 ? `${lead.slice(0, 997)}...` : lead,
  }
  if (c.deviceId !== null) alert.deviceId = c.deviceId
  return alert
}

function describe(c: AlertContext): { signals: DriftSignal[]; detail: string; severity: Alert['severity'] } {
  const v = c.verdict
  if (c.kind === 'data-drift') {
    const names = v.drifted.slice(0, 8).join(', ') + (v.drifted.length > 8 ? ', …' : '')
    return {
      signals: dataDriftSignals(v, c.policy),
      detail: `${v.drifted.length} of ${v.features.length} features drifted (${c.policy.metric})${names ? `: ${names}` : ''}`,
      severity: c.transition === 'raised' ? v.severity : 'warning',
    }
  }
  if (c.kind === 'prediction-drift' && v.prediction) {
    const p = v.prediction
    return {
      signals: [{ metric: 'chi2', value: p.chi2, threshold: p.threshold, pValue: p.pValue }],
      detail: `predicted-class mix χ² ${p.chi2.toFixed(1)} vs threshold ${p.threshold.toFixed(1)} (p ${p.pValue.toExponential(1)})`,
      severity: 'warning',
    }
  }
  const conf = v.confidence!
  return {
    signals: [{ metric: 'confidence', value: conf.mean, threshold: conf.referenceMean - conf.threshold }],
    detail: `mean confidence ${conf.mean.toFixed(3)} vs reference ${conf.referenceMean.toFixed(3)} (drop ${conf.drop.toFixed(3)}, threshold ${conf.threshold.toFixed(3)})`,
    severity: c.transition === 'raised' && conf.drop > 2 * conf.threshold ? 'critical' : 'warning',
  }
}
