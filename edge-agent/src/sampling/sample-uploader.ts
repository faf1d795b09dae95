import { Limits, MAX_PAYLOAD_BYTES, ProtocolError, type ModelRef, type Samples } from '@edgefleet/protocol'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import type { Uplink } from '../uplink/outbox.ts'
import type { DelayedLabels, LabelledSample } from './delayed-labels.ts'
import type { Sample } from './sample-item.ts'

/** Options of {@link SampleUploader}. */
export interface SampleUploaderOptions {
  uplink: Uplink
  /** longest a kept sample waits for its message to fill, ms */
  flushMs: number
  /** takes the labels of each samples message as it enters the outbox (`--send-labels`) */
  labels?: DelayedLabels
  logger?: Logger
  /** wall clock, ms (tests) */
  now?: () => number
}

/** What the uploader did, for the run summary. */
export interface UploadFigures {
  /** samples handed to the outbox */
  uploaded: number
  /** `samples` messages they went in */
  messages: number
  /** samples the protocol or the outbox refused (not sent) */
  refused: number
}

interface Buffered {
  sample: Sample
  /** bytes of the sample's JSON, with its separating comma */
  bytes: number
  label: string | undefined
  keptAt: number
}

/** room left in a message for its envelope (device id, seq, ts, model) */
const ENVELOPE_BYTES = 1024
/** the payload bytes the items of one message may take */
export const SAMPLES_BUDGET_BYTES = MAX_PAYLOAD_BYTES - ENVELOPE_BYTES
/** the protocol's bound on a label string */
const MAX_LABEL = 128
const LOGGED_REFUSALS = 10

/**
 * Batches kept samples into protocol `samples` messages through the uplink's outbox (QoS 1, stored
 * while offline, dropped only by the outbox's full policy): a message goes when adding the next
 * sample would pass `Limits.batchItems` items or the payload limit (sizes are measured, so 128
 * features per sample make ~150 samples per message), `flushMs` after its first sample, when the
 * model changes, and on close. A message the protocol refuses anyway is halved until it fits; a
 * single sample it refuses is counted, never fatal.
 */
export class SampleUploader {
  private readonly figuresNow: UploadFigures = { uploaded: 0, messages: 0, refused: 0 }
  private buffer: Buffered[] = []
  private bytes = 0
  private model: ModelRef | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private refusals = 0
  private readonly logger: Logger
  private readonly now: () => number

  constructor(private readonly o: SampleUploaderOptions) {
    this.logger = o.logger ?? silentLogger
    this.now = o.now ?? Date.now
  }

  /** Takes a kept sample made by `model`; `label` is the reading's true label, sent later with `--send-labels`. */
  add(sample: Sample, model: ModelRef, label?: string): void {
    if (this.closed) return
    if (this.model && (this.model.name !== model.name || this.model.version !== model.version)) this.flush()
    this.model = { name: model.name, version: model.version }
    const bytes = Buffer.byteLength(JSON.stringify(sample)) + 1
    if (this.buffer.length > 0 && this.bytes + bytes > SAMPLES_BUDGET_BYTES) this.flush()
    this.buffer.push({ sample, bytes, label, keptAt: this.now() })
    this.bytes += bytes
    if (this.buffer.length >= Limits.batchItems) this.flush()
    // unref: close() sends what is buffered
    else this.timer ??= setTimeout(() => this.flushQuietly(), this.o.flushMs).unref()
  }

  /** Sends the buffered samples now. */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const items = this.buffer
    const model = this.model
    this.buffer = []
    this.bytes = 0
    if (items.length > 0 && model) this.send(items, model)
  }

  private flushQuietly(): void {
    try {
      this.flush()
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'training samples: sending failed')
    }
  }

  figures(): UploadFigures {
    return { ...this.figuresNow }
  }

  /** Sends what is buffered; later samples are ignored. Idempotent. */
  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
  }

  private send(items: readonly Buffered[], model: ModelRef): void {
    const uplink = this.o.uplink
    let seq: number | undefined
    try {
      uplink.enqueue('samples', (s): Samples => {
        seq = s
        // the labels become pending before the outbox stores their samples: see LabelJournal
        this.o.labels?.track(s, labelled(items))
        return { v: 1, deviceId: uplink.deviceId, seq: s, ts: this.now(), model, items: items.map((i) => i.sample) }
      })
      this.figuresNow.uploaded += items.length
      this.figuresNow.messages++
    } catch (err) {
      if (seq !== undefined) this.o.labels?.untrack(seq)
      if (!(err instanceof ProtocolError || err instanceof AgentError)) throw err
      if (err instanceof ProtocolError && items.length > 1) {
        const half = Math.ceil(items.length / 2)
        this.send(items.slice(0, half), model)
        this.send(items.slice(half), model)
        return
      }
      this.figuresNow.refused += items.length
      if (++this.refusals <= LOGGED_REFUSALS) {
        this.logger.warn({ code: err.code, samples: items.length, id: items[0]?.sample.id }, `training samples not sent to the hub: ${err.message}`)
      }
    }
  }
}

/** The samples whose reading carried a label the protocol can take. */
function labelled(items: readonly Buffered[]): LabelledSample[] {
  const out: LabelledSample[] = []
  for (const i of items) {
    if (i.label !== undefined && i.label.length > 0 && i.label.length <= MAX_LABEL) out.push({ sampleId: i.sample.id, label: i.label, keptAt: i.keptAt })
  }
  return out
}
