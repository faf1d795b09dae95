import { Limits, MAX_PAYLOAD_BYTES, ProtocolError, type Labels } from '@edgefleet/protocol'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import type { Uplink } from '../uplink/outbox.ts'
import { LabelJournal, type PendingLabel } from './label-journal.ts'

/** Options of {@link DelayedLabels.open}. */
export interface DelayedLabelsOptions {
  /** the device's state directory (the outbox's): the journal of pending labels lives there */
  dir: string
  /** the uplink (hub link or outbox) the samples and labels go through */
  uplink: Uplink
  /** the seq the outbox gives its next message, read after it recovered */
  nextSeq: number
  /** how long after a sample was kept its label is sent, ms */
  delayMs: number
  /** labels messages go out at most this often, ms */
  flushMs: number
  /** how often the journal is fsynced, ms (default 1000, as the outbox) */
  syncIntervalMs?: number
  logger?: Logger
  /** wall clock, ms (tests) */
  now?: () => number
}

/** A labelled sample of a samples message, as it goes into the outbox. */
export interface LabelledSample {
  sampleId: string
  label: string
  /** when the sample was kept, ms: the label is due `delayMs` later */
  keptAt: number
}

/** What the delayed labels did, for the run summary. */
export interface LabelFigures {
  /** labels handed to the outbox */
  sent: number
  /** labels waiting for their time (persisted for the next run) */
  pending: number
  /** labels the protocol refused (dropped for good) */
  refused: number
  /** labels not kept because too many were pending */
  overflow: number
}

/** `source` of every label the agent sends: the ground truth came with the reading (a CSV label column, a reading's `label`). */
export const LABEL_SOURCE = 'label-column'
/** room left in a message for its envelope (device id, seq, ts) */
const ENVELOPE_BYTES = 1024
const LOGGED_REFUSALS = 10
/** setTimeout's longest delay */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Sends the true labels of uploaded samples later, as lab results would arrive: each becomes
 * pending (persisted in a {@link LabelJournal}) when its sample's message enters the outbox, and
 * goes out in a `labels` message once `delayMs` have passed since the sample was kept, batched at
 * most every `flushMs`. Labels not yet due at the end of a run wait in the journal for the next one.
 * Labels are priority messages in the outbox: dropped only after all telemetry.
 */
export class DelayedLabels {
  sent = 0
  refused = 0
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private lastSentAt = -Infinity
  private closed = false
  private readonly syncTimer: NodeJS.Timeout
  private readonly logger: Logger
  private readonly now: () => number

  private constructor(private readonly journal: LabelJournal, private readonly o: DelayedLabelsOptions) {
    this.logger = o.logger ?? silentLogger
    this.now = o.now ?? Date.now
    this.syncTimer = setInterval(() => this.syncQuietly(), o.syncIntervalMs ?? 1000).unref()
    this.schedule()
  }

  /** Opens the journal in `o.dir` (recovering what an earlier run left pending) and schedules what is due. */
  static open(o: DelayedLabelsOptions): DelayedLabels {
    return new DelayedLabels(LabelJournal.open(o.dir, o.nextSeq, o.logger), o)
  }

  /** Makes the labels of samples message `seq` pending. Call inside its build callback; {@link untrack} if the outbox refuses it. */
  track(seq: number, items: readonly LabelledSample[]): void {
    if (items.length === 0) return
    this.journal.add(seq, items.map((i) => ({ sampleId: i.sampleId, label: i.label, dueAt: i.keptAt + this.o.delayMs })))
    this.schedule()
  }

  /** The outbox refused samples message `seq`: its labels are not pending after all. */
  untrack(seq: number): void {
    this.journal.cancel(seq)
  }

  /** Sends every label due now. */
  sendDue(): void {
    const due = this.journal.due(this.now())
    if (due.length === 0) return
    this.lastSentAt = this.now()
    for (const chunk of chunks(due)) if (!this.send(chunk)) return
  }

  figures(): LabelFigures {
    return { sent: this.sent, pending: this.journal.size, refused: this.refused, overflow: this.journal.overflow }
  }

  /** When the next pending label falls due, ms since the epoch; undefined when none is pending. */
  nextDueAt(): number | undefined {
    return this.journal.nextDueAt()
  }

  /** Sends what is due, stops the timers and closes the journal (what is pending stays for the next run). Idempotent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.timer)
    clearInterval(this.syncTimer)
    try {
      this.sendDue()
    } finally {
      this.journal.close()
    }
  }

  /** Arms the timer for the earliest due label, no sooner than `flushMs` after the last send. */
  private schedule(): void {
    if (this.closed) return
    const next = this.journal.nextDueAt()
    if (next === undefined) return
    const at = Math.max(next, this.lastSentAt + this.o.flushMs)
    if (this.timer && this.timerAt <= at) return
    clearTimeout(this.timer)
    this.timerAt = at
    // unref: pending labels must not keep a finished process alive; they wait in the journal
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.timerAt = Infinity
      try {
        this.sendDue()
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'labels: sending failed; trying again later')
        this.lastSentAt = this.now()
      }
      this.schedule()
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - this.now()))).unref()
  }

  /** Enqueues one labels message; false when the outbox cannot take messages now (try again later). */
  private send(items: readonly PendingLabel[]): boolean {
    const uplink = this.o.uplink
    let seq: number | undefined
    try {
      uplink.enqueue('labels', (s): Labels => {
        seq = s
        // journalled before the outbox stores the message: see LabelJournal
        this.journal.markSent(s, items.map((l) => l.sampleId))
        return { v: 1, deviceId: uplink.deviceId, seq: s, ts: this.now(), items: items.map(labelItem) }
      })
      this.sent += items.length
      return true
    } catch (err) {
      if (seq !== undefined) this.journal.cancel(seq)
      if (err instanceof AgentError) {
        this.logger.warn({ code: err.code, labels: items.length }, `labels not sent yet, kept for later: ${err.message}`)
        return false
      }
      if (!(err instanceof ProtocolError)) throw err
      if (items.length > 1) {
        const half = Math.ceil(items.length / 2)
        return this.send(items.slice(0, half)) && this.send(items.slice(half))
      }
      this.journal.discard([items[0]!.sampleId])
      if (++this.refused <= LOGGED_REFUSALS) this.logger.warn({ sampleId: items[0]!.sampleId, code: err.code }, `label not sent to the hub: ${err.message}`)
      return true
    }
  }

  private syncQuietly(): void {
    try {
      this.journal.sync()
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'pending labels: periodic sync failed; retrying')
    }
  }
}

function labelItem(l: PendingLabel): Labels['items'][number] {
  return { sampleId: l.sampleId, label: l.label, ts: l.dueAt, source: LABEL_SOURCE }
}

/** Splits labels into messages within the protocol's item count and payload size. */
function chunks(labels: readonly PendingLabel[]): PendingLabel[][] {
  const out: PendingLabel[][] = []
  let current: PendingLabel[] = []
  let bytes = 0
  for (const l of labels) {
    const size = Buffer.byteLength(JSON.stringify(labelItem(l))) + 1
    if (current.length > 0 && (current.length >= Limits.batchItems || bytes + size > MAX_PAYLOAD_BYTES - ENVELOPE_BYTES)) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(l)
    bytes += size
  }
  if (current.length > 0) out.push(current)
  return out
}
