import type { Alert, AlertKind, DriftSummary, ModelRef } from '@edgefleet/protocol'
import {
  AlertTracker, DRIFT_KINDS, DriftJudge, manifestPolicy, PendingWindow, resolvePolicy,
  type DriftPolicy, type MergedWindow, type WindowVerdict,
} from '@edgefleet/models/drift'
import { buildAlert } from './alert-builder.ts'
import type { ModelReference, ReferenceSource } from './model-references.ts'

export interface DriftEngineLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** What happened to one device window. */
export type DriftOutcome = 'judged' | 'pending' | 'duplicate' | 'no-reference' | 'mismatch'

export interface DriftEngineOptions {
  references: ReferenceSource
  /** where raised and cleared alerts go (the alert service) */
  alerts: { emit(alert: Alert): Promise<void> }
  /** operator overrides per model name, over the manifest's and the built-in defaults */
  policies?: Readonly<Record<string, Partial<DriftPolicy>>>
  logger?: DriftEngineLogger
  /** called for every device window and fleet evaluation, for metrics */
  observe?: (scope: 'device' | 'fleet', outcome: DriftOutcome, seconds: number) => void
  /** called with every judged window (device or fleet), e.g. to store per-feature statistics */
  onVerdict?: (v: JudgedWindowRecord) => Promise<void>
  now?: () => number
}

/** A judged window, as the engine reports it. */
export interface JudgedWindowRecord {
  model: ModelRef
  /** null for the fleet */
  deviceId: string | null
  seq: number | null
  window: { start: number; end: number; count: number }
  verdict: WindowVerdict
}

interface ScopeState {
  tracker: AlertTracker
  /** newest device message seq merged (devices send windows in seq order): a resend is not merged twice */
  lastSeq: number
  /** windows too small to judge alone, merged until they reach the policy's minCount */
  pending: PendingWindow
  last: { at: number; verdict: WindowVerdict; window: MergedWindow['window'] } | null
}

interface VersionState {
  model: ModelRef
  judge: DriftJudge
  policy: DriftPolicy
  devices: Map<string, ScopeState>
  fleet: ScopeState
}

/** A scope's current drift state, for the REST API and the dashboard. */
export interface DriftScopeSnapshot {
  model: ModelRef
  scope: 'device' | 'fleet'
  deviceId: string | null
  raised: AlertKind[]
  lastJudgedAt: number | null
  window: { start: number; end: number; count: number } | null
  drifted: string[]
  driftShare: number | null
}

/**
 * The hub's drift engine. Device windows are judged per device (windows below `minCount` are merged
 * with the next ones first) and merged into the model version's fleet window, which `evaluateFleet()`
 * judges on a timer (tumbling: each device window counts in one fleet window, so hysteresis sees
 * independent windows). Verdicts step per-scope hysteresis; raises and clears become alerts. Merges
 * are exact, so a fleet verdict is what one device seeing every sample would get.
 */
export class DriftEngine {
  private readonly versions = new Map<string, Promise<VersionState | null>>()
  private readonly restored = new Set<string>()
  private readonly warned = new Set<string>()
  private readonly now: () => number

  constructor(private readonly o: DriftEngineOptions) {
    this.now = o.now ?? Date.now
  }

  /** Marks the scopes of still-raised alerts (from the store, after a restart) as raised. */
  restore(open: readonly Alert[]): void {
    for (const a of open) if (a.state === 'raised') this.restored.add(scopeKey(a.model, a.scope === 'fleet' ? null : (a.deviceId ?? null), a.kind))
  }

  async ingest(summary: DriftSummary): Promise<DriftOutcome> {
    const t0 = performance.now()
    const outcome = await this.ingestWindow(summary)
    this.o.observe?.('device', outcome, (performance.now() - t0) / 1000)
    return outcome
  }

  private async ingestWindow(summary: DriftSummary): Promise<DriftOutcome> {
    const v = await this.version(summary.model)
    if (!v) return 'no-reference'
    const problem = mismatch(summary, v.judge.featureNames)
    if (problem) {
      this.warnOnce(`mismatch:${summary.deviceId}:${key(summary.model)}`, { deviceId: summary.deviceId, model: key(summary.model) }, `drift window does not match the model's reference statistics (${problem}); not judged`)
      return 'mismatch'
    }
    let device = v.devices.get(summary.deviceId)
    if (!device) {
      device = this.scope(v, summary.deviceId)
      v.devices.set(summary.deviceId, device)
    }
    if (summary.seq <= device.lastSeq) return 'duplicate'
    device.lastSeq = summary.seq
    v.fleet.pending.add(summary)
    device.pending.add(summary)
    const window = device.pending.take(v.policy.minCount)
    if (!window) return 'pending'
    await this.judgeScope(v, device, summary.deviceId, window, summary.seq)
    return 'judged'
  }

  /** Judges every model version's fleet window that has reached `minCount`; call on a timer. */
  async evaluateFleet(): Promise<number> {
    let judged = 0
    for (const pending of this.versions.values()) {
      const v = await pending
      const window = v?.fleet.pending.take(v.policy.minCount)
      if (!v || !window) continue
      const t0 = performance.now()
      await this.judgeScope(v, v.fleet, null, window, null)
      this.o.observe?.('fleet', 'judged', (performance.now() - t0) / 1000)
      judged++
    }
    return judged
  }

  /** Current state of every scope seen since start. */
  async snapshot(): Promise<DriftScopeSnapshot[]> {
    const out: DriftScopeSnapshot[] = []
    for (const pending of this.versions.values()) {
      const v = await pending
      if (!v) continue
      out.push(snapshotOf(v.model, null, v.fleet))
      for (const [id, s] of v.devices) out.push(snapshotOf(v.model, id, s))
    }
    return out
  }

  private async judgeScope(v: VersionState, s: ScopeState, deviceId: string | null, window: MergedWindow, seq: number | null): Promise<void> {
    // the first window of a size calibrates its thresholds in slices, so ingest keeps flowing meanwhile
    await v.judge.prepare(window.window.count)
    const verdict = v.judge.judge(window)
    s.last = { at: this.now(), verdict, window: window.window }
    await this.o.onVerdict?.({ model: v.model, deviceId, seq, window: window.window, verdict })
    for (const { kind, transition } of s.tracker.step(verdict)) {
      const alert = buildAlert({ kind, transition, model: v.model, deviceId, window: window.window, verdict, policy: v.policy, now: this.now() })
      this.o.logger?.info({ alert: alert.id, kind, state: transition, deviceId, model: key(v.model) }, alert.message)
      try {
        await this.o.alerts.emit(alert)
      } catch (err) {
        // the window is consumed (merged and stepped): failing the device message would only make it
        // resend a window that is then a duplicate. The alert service counts and logs store failures.
        this.o.logger?.error({ alert: alert.id, err: (err as Error).message }, 'drift alert could not be emitted')
      }
    }
  }

  private scope(v: VersionState, deviceId: string | null): ScopeState {
    const tracker = new AlertTracker(v.policy)
    for (const kind of DRIFT_KINDS) {
      if (this.restored.has(scopeKey(v.model, deviceId, kind))) tracker.restore(kind)
    }
    return { tracker, lastSeq: -1, pending: new PendingWindow(), last: null }
  }

  private version(model: ModelRef): Promise<VersionState | null> {
    const k = key(model)
    let v = this.versions.get(k)
    if (!v) {
      v = this.load(model).catch((err: Error) => {
        // a broken package must not stay cached as broken forever
        this.versions.delete(k)
        this.o.logger?.error({ model: k, err: err.message }, 'cannot load the reference statistics of a model version')
        return null
      })
      this.versions.set(k, v)
    }
    return v
  }

  private async load(model: ModelRef): Promise<VersionState | null> {
    const ref: ModelReference | null = await this.o.references.get(model.name, model.version)
    if (!ref || ref.reference.features.length === 0 && !ref.reference.outputs.classDistribution) {
      // forget the miss, so a package added later is found (the source throttles its own rescans)
      this.versions.delete(key(model))
      this.warnOnce(`noref:${key(model)}`, { model: key(model) }, `no reference statistics for ${key(model)}: its drift windows are counted but not judged (push the model package to the hub, or add its directory to modelDirs)`)
      return null
    }
    const policy = resolvePolicy(manifestPolicy(ref.drift), this.o.policies?.[model.name])
    const v: VersionState = { model: { name: model.name, version: model.version }, judge: new DriftJudge(ref.reference, policy), policy, devices: new Map(), fleet: undefined as unknown as ScopeState }
    v.fleet = this.scope(v, null)
    // calibrate for the manifest's window size now, in slices, before most windows arrive
    v.judge.prepare(Math.max(ref.drift.windowSamples, policy.minCount)).catch((err: Error) => this.o.logger?.warn({ model: key(model), err: err.message }, 'drift threshold calibration failed'))
    return v
  }

  private warnOnce(id: string, obj: object, msg: string): void {
    if (this.warned.has(id)) return
    this.warned.add(id)
    this.o.logger?.warn(obj, msg)
  }
}

function key(m: ModelRef): string {
  return `${m.name}@${m.version}`
}

function scopeKey(m: ModelRef, deviceId: string | null, kind: AlertKind): string {
  return `${key(m)}|${deviceId ?? ''}|${kind}`
}

function mismatch(s: DriftSummary, names: readonly string[]): string | null {
  if (s.features.length !== names.length) return `${s.features.length} features, the reference has ${names.length}`
  for (let i = 0; i < names.length; i++) {
    if (s.features[i]!.name !== names[i]) return `feature ${i} is ${s.features[i]!.name}, the reference's is ${names[i]}`
  }
  return null
}

function snapshotOf(model: ModelRef, deviceId: string | null, s: ScopeState): DriftScopeSnapshot {
  return {
    model,
    scope: deviceId === null ? 'fleet' : 'device',
    deviceId,
    raised: s.tracker.raised(),
    lastJudgedAt: s.last?.at ?? null,
    window: s.last?.window ?? null,
    drifted: s.last?.verdict.drifted ?? [],
    driftShare: s.last?.verdict.driftShare ?? null,
  }
}
