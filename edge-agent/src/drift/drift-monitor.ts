import type { AlertKind, DriftState, ReferenceStatistics } from '@edgefleet/protocol'
import { DriftWindow, type WindowContent } from '@edgefleet/models/drift'
import { silentLogger, type Logger } from '../errors.ts'
import type { SourceRecord } from '../sources/source.ts'
import type { DriftEvaluator, Evaluation } from './drift-evaluator.ts'
import { softmaxInto } from './sample-layout.ts'

/** When a window closes: after this many samples, or this many seconds after its first sample. */
export interface DriftWindowSize {
  samples: number
  seconds: number
}

/** Options of {@link DriftMonitor}. */
export interface DriftMonitorOptions {
  reference: ReferenceStatistics
  /** model index of each reference feature (see `referenceOrder`); null when the orders agree */
  order: Int32Array | null
  /** classifier outputs to summarise, or null (regression, detection: features only) */
  outputs: { classCount: number; logits: boolean } | null
  window: DriftWindowSize
  evaluator: DriftEvaluator
  /** receives every closed window (to the hub's outbox, a file) */
  publish: (content: WindowContent) => void
  /** the drift state changed (state or raised kinds): publish a fresh status */
  onStateChange?: (state: DriftState) => void
  logger?: Logger
  /** wall clock, ms (tests) */
  now?: () => number
}

/** What the monitor did, for the run summary. */
export interface DriftFigures {
  /** windows closed and summarised */
  windows: number
  /** windows judged (after merging small ones) */
  judged: number
  state: DriftState['state']
  kinds: AlertKind[]
  /** drifted features of the last judged window (at most 64) */
  features: string[]
  /** how many features drifted in the last judged window */
  drifted: number
  since: number | undefined
}

/**
 * Summarises every inferred sample into the current drift window (constant memory, no allocation
 * per sample), closes the window at `samples` or `seconds` after its first sample (a timer, so an
 * idle stream still closes a partial window; an empty one is never closed), publishes it, and has
 * it judged on the next turn of the event loop rather than inside the batch that closed it.
 */
export class DriftMonitor {
  private readonly window: DriftWindow
  private readonly logger: Logger
  private readonly now: () => number
  private readonly scratch: Float64Array | null
  private readonly probabilities: Float64Array | null
  private size: DriftWindowSize
  private timer: NodeJS.Timeout | undefined
  /** wall-clock time of the current window's first sample */
  private openedAt = 0
  private judging: NodeJS.Immediate | undefined
  private readonly toJudge: WindowContent[] = []
  private windows = 0
  private closed = false
  private widthWarned = false

  constructor(private readonly o: DriftMonitorOptions) {
    this.window = new DriftWindow(o.reference.features, o.outputs?.classCount ?? null)
    this.logger = o.logger ?? silentLogger
    this.now = o.now ?? Date.now
    this.size = { ...o.window }
    this.scratch = o.order ? new Float64Array(o.order.length) : null
    this.probabilities = o.outputs?.logits ? new Float64Array(o.outputs.classCount) : null
  }

  /** Adds a batch: each record's raw features (model order) and, for classifiers, row i of the output. */
  observe(records: readonly SourceRecord[], output: { data: Float32Array; width: number }): void {
    if (this.closed) return
    const { scratch, probabilities, window } = this
    const order = this.o.order
    let outputs = this.o.outputs
    if (outputs && output.width !== outputs.classCount) {
      if (!this.widthWarned) this.logger.warn({ width: output.width, classes: outputs.classCount }, 'model output rows do not match its class count: drift windows summarise features only')
      this.widthWarned = true
      outputs = null
    }
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!
      let values: ArrayLike<number> = r.values
      if (order) {
        for (let j = 0; j < order.length; j++) scratch![j] = r.values[order[j]!]!
        values = scratch!
      }
      if (!outputs) window.add(r.ts, values, 0)
      else if (probabilities) {
        softmaxInto(output.data, i * output.width, output.width, probabilities)
        window.add(r.ts, values, 0, probabilities, 0)
      } else window.add(r.ts, values, 0, output.data, i * output.width)
      if (window.count === 1) {
        this.openedAt = this.now()
        this.arm()
      }
      if (window.count >= this.size.samples) this.closeWindow()
    }
  }

  /**
   * Calibrates the drift thresholds for full windows now (about a second for 128 features), so that
   * no window of the configured size pays for it while readings flow. Call before serving.
   */
  warm(): Promise<void> {
    return this.o.evaluator.warm(this.size.samples)
  }

  /** Changes the window size (a flag, the hub's set-config): applies from the next sample; warms the thresholds off the batch path. */
  resize(size: Partial<DriftWindowSize>): void {
    this.size = { samples: size.samples ?? this.size.samples, seconds: size.seconds ?? this.size.seconds }
    if (this.window.count >= this.size.samples) this.closeWindow()
    else if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
      this.arm()
    }
    setImmediate(() => {
      if (!this.closed) this.o.evaluator.warm(this.size.samples).catch((err: Error) => this.logger.warn({ err: err.message }, 'drift threshold calibration failed'))
    }).unref()
  }

  get windowSize(): Readonly<DriftWindowSize> {
    return this.size
  }

  /** The status message's `drift` field. */
  state(): DriftState {
    return this.o.evaluator.state()
  }

  figures(): DriftFigures {
    const s = this.o.evaluator.state()
    return { windows: this.windows, judged: s.windows ?? 0, state: s.state, kinds: s.kinds ?? [], features: s.features, drifted: this.o.evaluator.lastDriftedCount, since: s.since }
  }

  /** Closes the partial window (if any), judges what is waiting, and stops the timer. Idempotent. */
  close(): void {
    if (this.closed) return
    this.closeWindow()
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    this.judgeWaiting()
  }

  private arm(): void {
    // unref: an idle window must not keep a finished process alive; close() sends what it holds
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.closeWindow()
    }, Math.max(0, this.openedAt + this.size.seconds * 1000 - this.now())).unref()
  }

  private closeWindow(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.closed || this.window.count === 0) return
    const content = this.window.take()
    this.windows++
    this.o.publish(content)
    this.toJudge.push(content)
    // judged after the batch that closed it: a first window of a new size pays for calibration
    this.judging ??= setImmediate(() => this.judgeWaiting())
  }

  private judgeWaiting(): void {
    if (this.judging) clearImmediate(this.judging)
    this.judging = undefined
    for (let content = this.toJudge.shift(); content; content = this.toJudge.shift()) {
      this.report(this.o.evaluator.evaluate(content, this.now()))
    }
  }

  private report(e: Evaluation): void {
    if (e.verdict) this.logger.debug({ count: e.verdict.count, drifted: e.verdict.drifted.length, dataDrift: e.verdict.dataDrift }, 'drift window judged')
    for (const t of e.transitions) {
      if (t.transition === 'raised') {
        this.logger.warn({ kind: t.kind, features: e.verdict?.drifted.slice(0, 10), driftShare: e.verdict?.driftShare }, `drift alert raised: ${t.kind}`)
      } else {
        this.logger.info({ kind: t.kind }, `drift alert cleared: ${t.kind}`)
      }
    }
    if (e.changed) this.o.onStateChange?.(this.o.evaluator.state())
  }
}
