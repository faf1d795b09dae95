import type { Alert } from '@edgefleet/protocol'
import type { DeviceHealthReport } from '../deployments/device-health.ts'
import type { DeploymentRecord } from '../registry/deployment-store.ts'
import type { DeviceRecord } from '../registry/registry-store.ts'
import { matchesTarget, type Assignment, type DeviceObservation, type FleetDevice, type Rollout, type RolloutFacts } from './policy/index.ts'

/** What the engine remembers of a device when it hands it the candidate: the figures gates compare against. */
export interface Baseline {
  /** the device's latency p95 (or mean, when it reports no p95) with the model it ran before, ms */
  latencyP95Ms?: number
  /** the version and digest it ran before, to roll back to */
  version: string | null
  sha256: string | null
}

/**
 * Devices for the confidence control: targeted, online, not assigned by this rollout, running the version
 * most updated devices ran before. Ordered by id so the same ones are read each time.
 */
export function controlDevices(r: Rollout, devices: readonly FleetDevice[]): string[] {
  const previous = r.previousVersion
  return devices
    .filter((d) => d.online && !r.assignments[d.id] && d.currentVersion !== null && (previous === null || d.currentVersion === previous) && matchesTarget(r.target, d))
    .map((d) => d.id)
    .sort()
}

/** When each device reported the candidate active (the device's clock), from its deploy reports. */
export function activeSince(r: Rollout, deployments: readonly DeploymentRecord[]): { id: string; since: number }[] {
  return deployments
    .filter((d) => d.role === 'active' && d.step === 'active' && d.state === 'succeeded' && d.model.name === r.model.name && d.model.version === r.model.version && r.assignments[d.deviceId]?.role === 'active')
    .map((d) => ({ id: d.deviceId, since: d.ts }))
}

/** Everything the facts are made from, read once per engine tick. */
export interface FactSources {
  devices: readonly DeviceRecord[]
  health: (deviceId: string) => DeviceHealthReport | undefined
  /** this rollout's deployment reports */
  deployments: readonly DeploymentRecord[]
  openAlerts: readonly Alert[]
  baselines: Readonly<Record<string, Baseline>>
  /** an updated device's mean confidence since it reported the candidate active, and its control's (null: not known) */
  confidence?: (deviceId: string) => { baseline: number; candidate: number } | null
}

/** The devices as the rollout machine sees them: presence and version from the newest status, else the registry. */
export function fleetDevices(r: Rollout, s: Pick<FactSources, 'devices' | 'health'>): FleetDevice[] {
  return s.devices.map((d) => {
    const h = s.health(d.id)
    const model = h?.model ?? d.model
    return { id: d.id, tags: d.tags, online: h?.online ?? d.online, currentVersion: model && model.name === r.model.name ? model.version : null }
  })
}

/** The devices as the rollout machine sees them (`devices`, when already made), and an observation of every assigned device. */
export function rolloutFacts(r: Rollout, s: FactSources, devices: readonly FleetDevice[] = fleetDevices(r, s)): RolloutFacts {
  const online = new Map(devices.map((d) => [d.id, d.online]))
  const reports = new Map(s.deployments.map((d) => [`${d.deviceId}/${d.role}`, d]))
  const alerts = new Map<string, number>()
  for (const a of s.openAlerts) {
    if (a.scope === 'device' && a.deviceId && a.model.name === r.model.name && a.model.version === r.model.version) alerts.set(a.deviceId, (alerts.get(a.deviceId) ?? 0) + 1)
  }
  const observations = Object.entries(r.assignments).map(([id, a]) =>
    observe(r, id, a, {
      health: s.health(id), report: reports.get(`${id}/${a.role}`), online: online.get(id) ?? false, driftAlerts: alerts.get(id) ?? 0,
      baseline: s.baselines[id], confidence: s.confidence?.(id) ?? null,
    }))
  return { devices, observations }
}

interface DeviceSources {
  health: DeviceHealthReport | undefined
  report: DeploymentRecord | undefined
  online: boolean
  driftAlerts: number
  baseline: Baseline | undefined
  /** mean confidence since the device reported the candidate active, and the control's over that period */
  confidence: { baseline: number; candidate: number } | null
}

/**
 * One assigned device's state with the candidate: `active` once its status names the candidate (for a shadow:
 * its shadow report does), `failed` when it reported a failed activation step for it, `installing` while it
 * reports steps, `offline` or `pending` before that. A rolled-back device reports the previous version again.
 */
export function observe(r: Rollout, id: string, a: Assignment, s: DeviceSources): DeviceObservation {
  const h = s.health
  const candidate = (m: { name: string; version: string } | null | undefined): boolean => !!m && m.name === r.model.name && m.version === r.model.version
  const report = s.report && candidate(s.report.model) ? s.report : undefined
  // the status says what the device serves; until one arrives (a restarted hub), its report of the `active` step does
  const reportedActive = report?.step === 'active' && report.state === 'succeeded'
  const running = a.role === 'active' ? (h?.model ? candidate(h.model) : reportedActive) : (h?.shadow !== undefined ? candidate(h.shadow) : reportedActive)
  const state: DeviceObservation['state'] = running
    ? 'active'
    : report?.state === 'failed'
      ? 'failed'
      : report ? 'installing' : s.online ? 'pending' : 'offline'
  const o: DeviceObservation = { id, role: a.role, state, inferenceRuns: 0, inferenceErrors: 0 }
  if (state === 'failed') o.failure = { step: report!.step, code: report!.code ?? 'AGENT_SWAP_FAILED' }
  if (s.baseline?.latencyP95Ms !== undefined) o.latencyP95BeforeMs = s.baseline.latencyP95Ms
  if (running && h) {
    if (a.role === 'active') {
      o.inferenceRuns = h.inferenceRuns ?? 0
      o.inferenceErrors = h.inferenceErrors ?? 0
      const after = h.latencyP95StableMs ?? h.latencyP95Ms ?? h.latencyMs
      if (after !== undefined) o.latencyP95AfterMs = after
      o.driftAlerts = s.driftAlerts
      if (s.confidence) {
        o.confidenceBefore = s.confidence.baseline
        o.confidenceAfter = s.confidence.candidate
      }
    } else if (h.shadow) {
      o.shadow = { samples: h.shadow.samples, ...(h.shadow.agreement !== undefined ? { agreement: h.shadow.agreement } : {}), ...(h.shadow.latencyMs !== undefined ? { latencyP95Ms: h.shadow.latencyMs } : {}) }
    }
  }
  return o
}
