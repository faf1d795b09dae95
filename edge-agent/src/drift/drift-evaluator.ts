import type { AlertKind, DriftState, ModelRef, ReferenceStatistics } from '@edgefleet/protocol'
import { AlertTracker, DriftJudge, PendingWindow, type DriftPolicy, type WindowContent, type WindowVerdict } from '@edgefleet/models/drift'
import type { Static } from 'typebox'

/** Most drifted feature names a status message carries (the protocol's bound). */
const MAX_STATUS_FEATURES = 64

/** What judging one closed window changed. */
export interface Evaluation {
  /** the verdict, or null while the window waits to be merged with the next (below the policy's minCount) */
  verdict: WindowVerdict | null
  /** alert kinds raised or cleared by this verdict (hysteresis) */
  transitions: { kind: AlertKind; transition: 'raised' | 'cleared' }[]
  /** the drift state changed (state or raised kinds): the status message is out of date */
  changed: boolean
}

/**
 * The agent's own drift evaluation: windows smaller than the policy's `minCount` wait and are merged
 * with the following ones, then judged against the reference; an {@link AlertTracker} applies
 * hysteresis. Holds no timers and does no I/O: the monitor decides when to call it.
 */
export class DriftEvaluator {
  private readonly judge: DriftJudge
  private readonly tracker: AlertTracker
  private readonly model: Static<typeof ModelRef>
  private readonly pending = new PendingWindow()
  private judged = 0
  private current: DriftState['state'] = 'unknown'
  private kinds: AlertKind[] = []
  private drifted: string[] = []
  private driftedCount = 0
  private since: number

  constructor(reference: ReferenceStatistics, readonly policy: Readonly<DriftPolicy>, model: Static<typeof ModelRef>, now: number) {
    // the device needs verdicts, not every statistic: the hub computes those for alerts and history
    this.judge = new DriftJudge(reference, policy, 'verdict')
    this.tracker = new AlertTracker(policy)
    this.model = { name: model.name, version: model.version }
    this.since = now
  }

  /**
   * Calibrates the thresholds for windows of `count` samples now, so that the first real window of
   * that size is judged without the calibration's cost (about a second for 128 features). Windows
   * smaller than minCount are judged merged, so those are warmed at the size they will merge to.
   * Calibration runs in slices (one feature per macrotask), so the event loop keeps turning.
   */
  warm(windowSamples: number): Promise<void> {
    const size = windowSamples >= this.policy.minCount ? windowSamples : Math.ceil(this.policy.minCount / windowSamples) * windowSamples
    return this.judge.prepare(size)
  }

  /** Judges a closed window (merged with earlier ones too small to judge alone); `now` dates a state change. */
  evaluate(content: WindowContent, now: number): Evaluation {
    this.pending.add({ model: this.model, ...content })
    const window = this.pending.take(this.policy.minCount)
    if (!window) return { verdict: null, transitions: [], changed: false }
    const verdict = this.judge.judge(window)
    this.judged++
    const transitions = this.tracker.step(verdict)
    this.drifted = verdict.drifted.slice(0, MAX_STATUS_FEATURES)
    this.driftedCount = verdict.drifted.length
    const kinds = this.tracker.raised()
    const state = kinds.length > 0 ? 'drifting' : 'ok'
    const changed = state !== this.current || kinds.join() !== this.kinds.join()
    if (state !== this.current) this.since = now
    this.current = state
    this.kinds = kinds
    return { verdict, transitions, changed }
  }

  /** The status message's `drift` field: unknown until a window is judged, then drifting while any kind is raised. */
  state(): DriftState {
    return { state: this.current, features: [...this.drifted], kinds: [...this.kinds], windows: this.judged, since: this.since }
  }

  /** How many features drifted in the last judged window (`state().features` lists at most 64). */
  get lastDriftedCount(): number {
    return this.driftedCount
  }

  /** Samples in windows waiting to be merged with the next (below minCount so far). */
  get waiting(): number {
    return this.pending.count
  }
}
