import type { ModelRef } from '@edgefleet/protocol'
import { parseDuration } from '../cli/duration.ts'
import { samplingEnabled, type RunConfig } from '../cli/run-config.ts'
import { silentLogger, type Logger } from '../errors.ts'
import type { AgentPrediction } from '../sinks/sink.ts'
import type { SourceRecord } from '../sources/source.ts'
import type { Uplink } from '../uplink/outbox.ts'
import { DelayedLabels, type LabelFigures } from './delayed-labels.ts'
import { SampleIds, toSample } from './sample-item.ts'
import { SampleUploader, type UploadFigures } from './sample-uploader.ts'
import { Sampler, type SamplerCounts } from './sampler.ts'

/** Options of {@link AgentSampling.open}. */
export interface AgentSamplingOptions {
  /** the hub link (or an outbox), with the seq its next message gets */
  uplink: Uplink & { readonly nextSeq: number }
  /** the device's state directory: pending labels are kept there, beside the outbox */
  stateDir: string
  /** the agent's own drift verdict for the served model, asked once per batch */
  drifting: () => boolean
  logger?: Logger
  /** how often the counters are logged while they change, ms (default 30 000, the status interval) */
  logIntervalMs?: number
  /** wall clock, ms (tests) */
  now?: () => number
}

/** What sampling did in this run, for logs and the run summary. */
export interface SamplingFigures extends SamplerCounts, UploadFigures {
  /** with `--send-labels` */
  labels?: LabelFigures & {
    /** ms until the next pending label falls due, when one is pending */
    nextDueInMs?: number
  }
}

/**
 * Training candidates of one agent: the {@link Sampler} picks readings prediction by prediction,
 * the {@link SampleUploader} sends them as `samples` messages, and with `--send-labels` the
 * {@link DelayedLabels} send their true labels after `--label-delay`.
 */
export class AgentSampling {
  private readonly ids: SampleIds
  private readonly now: () => number
  private readonly logTimer: NodeJS.Timeout
  private loggedAt = 0

  private constructor(
    private readonly sampler: Sampler,
    private readonly uploader: SampleUploader,
    private readonly labels: DelayedLabels | undefined,
    private readonly o: AgentSamplingOptions,
  ) {
    this.now = o.now ?? Date.now
    this.ids = new SampleIds(this.now())
    // the status message has no room for these counters (protocol Status.counters is closed): the log carries them
    this.logTimer = setInterval(() => this.logFigures(), o.logIntervalMs ?? 30_000).unref()
  }

  /** Sets up sampling as `config` says; undefined when it is off. Recovers the pending labels of an earlier run. */
  static open(config: Readonly<RunConfig>, o: AgentSamplingOptions): AgentSampling | undefined {
    if (!samplingEnabled(config)) return undefined
    const logger = o.logger ?? silentLogger
    const now = o.now ?? Date.now
    const sampler = new Sampler({
      confidenceBelow: config.sampleConfidenceBelow,
      driftRate: config.sampleDriftRate,
      rate: config.sampleRate,
      maxPerMinute: config.sampleMaxPerMinute,
      ...(config.sampleSeed !== undefined ? { seed: config.sampleSeed } : {}),
    }, now())
    const labels = config.sendLabels
      ? DelayedLabels.open({ dir: o.stateDir, uplink: o.uplink, nextSeq: o.uplink.nextSeq, delayMs: parseDuration(config.labelDelay, '--label-delay'), flushMs: config.sampleFlushMs, logger, now })
      : undefined
    const uploader = new SampleUploader({ uplink: o.uplink, flushMs: config.sampleFlushMs, ...(labels ? { labels } : {}), logger, now })
    logger.info({
      confidenceBelow: config.sampleConfidenceBelow, driftRate: config.sampleDriftRate, rate: config.sampleRate, maxPerMinute: config.sampleMaxPerMinute,
      ...(labels ? { labelDelay: config.labelDelay } : {}),
    }, 'uploading training samples')
    return new AgentSampling(sampler, uploader, labels, o)
  }

  /** Sees each predicted batch: the readings and their predictions, row by row, made by `model`. */
  observe(records: readonly SourceRecord[], predictions: readonly AgentPrediction[], model: ModelRef): void {
    const now = this.now()
    const drifting = this.o.drifting()
    for (let i = 0; i < predictions.length; i++) {
      const p = predictions[i]!
      const reason = this.sampler.decide(p.confidence, drifting, now)
      if (!reason) continue
      const r = records[i]!
      this.uploader.add(toSample(r, p, reason, this.ids.idFor(r)), model, r.actual)
    }
  }

  figures(): SamplingFigures {
    const c = this.sampler.counts
    const f: SamplingFigures = { considered: c.considered, kept: { ...c.kept }, dropped: { ...c.dropped }, ...this.uploader.figures() }
    if (this.labels) {
      const next = this.labels.nextDueAt()
      f.labels = { ...this.labels.figures(), ...(next !== undefined ? { nextDueInMs: Math.max(0, next - this.now()) } : {}) }
    }
    return f
  }

  /** Sends the buffered samples and the labels due now; pending labels stay for the next run. Call before the uplink closes. */
  close(): void {
    clearInterval(this.logTimer)
    try {
      this.uploader.close()
    } finally {
      this.labels?.close()
    }
    this.o.logger?.info({ ...this.figures() }, 'training samples')
  }

  private logFigures(): void {
    if (this.sampler.counts.considered === this.loggedAt) return
    this.loggedAt = this.sampler.counts.considered
    this.o.logger?.info({ ...this.figures() }, 'training samples')
  }
}
