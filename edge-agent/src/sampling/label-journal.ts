import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import { fsyncDir } from '../uplink/outbox-state.ts'

/** A label waiting for its time: the ground truth of an uploaded sample. */
export interface PendingLabel {
  sampleId: string
  label: string | number
  /** wall-clock ms from which it may be sent */
  dueAt: number
}

/** The journal's file in the state directory, beside the outbox. */
export const LABEL_JOURNAL_FILE = 'pending-labels.jsonl'
/** pending labels held at most; more are refused and counted (a label delay far longer than the sampling budget warrants) */
export const MAX_PENDING_LABELS = 100_000
/** entries per line when the journal is rewritten */
const ENTRIES_PER_LINE = 1000
/** records appended before the journal is rewritten with only what is pending */
const COMPACT_AFTER_RECORDS = 10_000

const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
const Entry = Type.Tuple([Type.String({ minLength: 1 }), Type.Union([Type.String(), Type.Number()]), Type.Integer({ minimum: 0 })])
/**
 * One line of the journal. `p`: pending, unconditionally (a rewrite). `a`: pending if the samples
 * message with seq `a` was stored in the outbox. `s`: sent if the labels message with seq `s` was
 * stored. `d`: dropped for good (the protocol refused them). `x`: the record just before, with this
 * seq, did not happen (the outbox refused its message).
 */
const JournalRecord = Type.Union([
  Type.Object({ p: Type.Array(Entry) }, { additionalProperties: false }),
  Type.Object({ a: Seq, l: Type.Array(Entry) }, { additionalProperties: false }),
  Type.Object({ s: Seq, ids: Type.Array(Type.String()) }, { additionalProperties: false }),
  Type.Object({ d: Type.Array(Type.String()) }, { additionalProperties: false }),
  Type.Object({ x: Seq }, { additionalProperties: false }),
])
type JournalRecord = Static<typeof JournalRecord>
const checkRecord = Compile(JournalRecord)

/**
 * The pending labels of a device, kept in an append-only journal beside its outbox. Every change is
 * written (one `write`, so in the page cache and safe from `kill -9`) *before* the message it
 * belongs to is appended to the outbox, tagged with that message's seq: on open, a record whose
 * seq is not below the outbox's next seq belongs to a message that never reached the outbox and is
 * ignored. So a label becomes pending exactly when its sample's message was stored, and stops being
 * pending exactly when its own message was: after a `kill -9` nothing is lost or sent twice. (A
 * power cut can lose the outbox's last second; the journal is fsynced on the same schedule.)
 * Opening rewrites the journal with only what is pending, so the seqs of ignored records can be
 * used again.
 */
export class LabelJournal {
  /** labels refused because {@link MAX_PENDING_LABELS} were pending */
  overflow = 0
  private readonly pending = new Map<string, PendingLabel>()
  private undo: { seq: number; revert: () => void } | undefined
  private fd: number
  private appended = 0
  private unsynced = false
  private closed = false

  private constructor(private readonly path: string) {
    this.fd = -1
  }

  /**
   * Opens (or creates) the journal in `dir` and recovers the pending labels; `nextSeq` is the seq the
   * device's outbox gives its next message, read after the outbox recovered.
   */
  static open(dir: string, nextSeq: number, logger: Logger = silentLogger): LabelJournal {
    const journal = new LabelJournal(join(dir, LABEL_JOURNAL_FILE))
    const { records, skipped } = journal.read()
    if (skipped > 0) logger.warn({ file: journal.path, skipped }, 'pending labels: skipping unreadable journal lines (a record cut short by a crash)')
    for (const r of records) journal.apply(r, nextSeq)
    journal.rewrite()
    if (journal.size > 0) logger.info({ pending: journal.size }, 'pending labels from an earlier run are waiting to be sent')
    return journal
  }

  /** Labels pending now. */
  get size(): number {
    return this.pending.size
  }

  /**
   * Records the labels of the samples message `seq` as pending; call inside the outbox's build
   * callback, before the message is stored, and {@link cancel} if the outbox then refuses it.
   * Returns how many were taken (at most {@link MAX_PENDING_LABELS} are held).
   */
  add(seq: number, labels: readonly PendingLabel[]): number {
    const room = Math.max(0, MAX_PENDING_LABELS - this.pending.size)
    const taken = labels.length > room ? labels.slice(0, room) : labels
    this.overflow += labels.length - taken.length
    if (taken.length === 0) return 0
    this.append({ a: seq, l: taken.map(entry) })
    const replaced = taken.map((l) => this.pending.get(l.sampleId))
    for (const l of taken) this.pending.set(l.sampleId, { ...l })
    this.undo = {
      seq,
      revert: () => taken.forEach((l, i) => (replaced[i] ? this.pending.set(l.sampleId, replaced[i]) : this.pending.delete(l.sampleId))),
    }
    return taken.length
  }

  /** Records the labels `ids` as sent in the labels message `seq`; same protocol as {@link add}. */
  markSent(seq: number, ids: readonly string[]): void {
    this.append({ s: seq, ids: [...ids] })
    const removed = ids.map((id) => this.pending.get(id)).filter((l): l is PendingLabel => l !== undefined)
    for (const id of ids) this.pending.delete(id)
    this.undo = { seq, revert: () => removed.forEach((l) => this.pending.set(l.sampleId, l)) }
  }

  /** The outbox refused message `seq`: undoes the {@link add} or {@link markSent} just made for it. */
  cancel(seq: number): void {
    const undo = this.undo
    if (undo?.seq !== seq) return
    this.undo = undefined
    // memory first: if the disk refuses the record too, this run still holds the truth, and the next rewrite records it
    undo.revert()
    this.append({ x: seq })
  }

  /** Drops labels for good (the protocol refuses them): they would be refused on every attempt. */
  discard(ids: readonly string[]): void {
    this.append({ d: [...ids] })
    for (const id of ids) this.pending.delete(id)
  }

  /** The labels due at `now`, earliest first. */
  due(now: number): PendingLabel[] {
    const out: PendingLabel[] = []
    for (const l of this.pending.values()) if (l.dueAt <= now) out.push(l)
    return out.sort((a, b) => a.dueAt - b.dueAt)
  }

  /** When the earliest pending label falls due; undefined when none is pending. */
  nextDueAt(): number | undefined {
    let next: number | undefined
    for (const l of this.pending.values()) if (next === undefined || l.dueAt < next) next = l.dueAt
    return next
  }

  /** fsyncs what was appended, and rewrites a journal grown long with only what is pending. */
  sync(): void {
    if (this.closed) return
    if (this.appended >= COMPACT_AFTER_RECORDS) return this.rewrite()
    if (!this.unsynced) return
    this.unsynced = false
    this.guard('sync', () => fsyncSync(this.fd))
  }

  /** Rewrites the journal with what is pending and closes it. Idempotent. */
  close(): void {
    if (this.closed) return
    this.rewrite()
    this.closed = true
    closeSync(this.fd)
  }

  private read(): { records: JournalRecord[]; skipped: number } {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: 0 }
      throw new AgentError('AGENT_OUTBOX_FAILED', `cannot read ${this.path}: ${(err as Error).message}. Check that the state directory is readable.`, { cause: err })
    }
    const records: JournalRecord[] = []
    let skipped = 0
    for (const line of text.split('\n')) {
      if (line.length === 0) continue
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch {
        value = undefined
      }
      if (!checkRecord.Check(value)) {
        skipped++
        continue
      }
      // `x` takes back the record just before it: written between the build callback and the outbox's refusal
      if ('x' in value) {
        const last = records.at(-1)
        if (last && seqOf(last) === value.x) records.pop()
        continue
      }
      records.push(value)
    }
    return { records, skipped }
  }

  private apply(r: JournalRecord, nextSeq: number): void {
    if ('p' in r) for (const [sampleId, label, dueAt] of r.p) this.pending.set(sampleId, { sampleId, label, dueAt })
    else if ('a' in r) {
      if (r.a < nextSeq) for (const [sampleId, label, dueAt] of r.l) this.pending.set(sampleId, { sampleId, label, dueAt })
    } else if ('s' in r) {
      if (r.s < nextSeq) for (const id of r.ids) this.pending.delete(id)
    } else if ('d' in r) for (const id of r.d) this.pending.delete(id)
  }

  /** Replaces the journal atomically with `p` records of what is pending (write temp, fsync, rename, fsync dir). */
  private rewrite(): void {
    const tmp = `${this.path}.tmp`
    const entries = [...this.pending.values()].map(entry)
    const lines: string[] = []
    for (let i = 0; i < entries.length; i += ENTRIES_PER_LINE) lines.push(`${JSON.stringify({ p: entries.slice(i, i + ENTRIES_PER_LINE) })}\n`)
    this.guard('rewrite', () => {
      const fd = openSync(tmp, 'w')
      try {
        writeSync(fd, lines.join(''))
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      renameSync(tmp, this.path)
      fsyncDir(dirname(this.path))
      if (this.fd >= 0) closeSync(this.fd)
      this.fd = openSync(this.path, 'a')
    })
    this.appended = 0
    this.unsynced = false
    this.undo = undefined
  }

  private append(r: JournalRecord): void {
    if (this.closed) throw new AgentError('AGENT_OUTBOX_FAILED', 'the pending-labels journal is closed')
    const line = Buffer.from(`${JSON.stringify(r)}\n`)
    this.guard('write', () => {
      for (let written = 0; written < line.length;) written += writeSync(this.fd, line, written)
    })
    this.appended++
    this.unsynced = true
    this.undo = undefined
  }

  private guard(what: string, io: () => void): void {
    try {
      io()
    } catch (cause) {
      throw new AgentError('AGENT_OUTBOX_FAILED', `cannot ${what} ${this.path}: ${(cause as Error).message}. Free disk space or choose another --state-dir.`, { cause })
    }
  }
}

function entry(l: PendingLabel): [string, string | number, number] {
  return [l.sampleId, l.label, l.dueAt]
}

function seqOf(r: JournalRecord): number | undefined {
  return 'a' in r ? r.a : 's' in r ? r.s : undefined
}
