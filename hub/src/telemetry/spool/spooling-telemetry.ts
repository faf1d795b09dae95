import { HubError } from '../../errors.ts'
import { checkDriftWindows } from '../drift-record-checks.ts'
import type { DriftWindowQuery, DriftWindowRecord } from '../drift-records.ts'
import { checkPredictionPoints, closedError } from '../telemetry-checks.ts'
import type { PredictionBucket, PredictionPoint, PredictionQuery, TelemetryStore, TimeRange } from '../telemetry-store.ts'
import { SpoolFile, type SpoolEntry } from './spool-file.ts'

/** Options of {@link SpoolingTelemetry.open}. */
export interface SpoolOptions {
  /** the spool file (SQLite), e.g. `<data dir>/telemetry-spool.db` */
  path: string
  /** points (predictions and drift windows) the spool holds at most; past that, writes fail as before (default 1 000 000) */
  maxPoints?: number
  /** first wait before replaying again after a failed replay, ms (default 1000; doubles up to maxRetryMs) */
  retryMs?: number
  /** longest wait between replay attempts, ms (default 30 000) */
  maxRetryMs?: number
  logger?: SpoolLogger
}

export interface SpoolLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/** What the spool did, for the hub's metrics. */
export interface SpoolStats {
  /** points written to the spool because the database was unreachable */
  spooled: number
  /** spooled points since written to the database */
  replayed: number
  /** points refused because the spool was full (their devices keep and resend them) */
  refused: number
  /** points waiting in the spool now */
  readonly depth: number
}

/** The defaults of {@link SpoolOptions}. */
export const SPOOL_DEFAULTS = { maxPoints: 1_000_000, retryMs: 1000, maxRetryMs: 30_000 } as const
/** spool entries (store calls) replayed together: the inner store batches their points into shared requests */
const REPLAY_ENTRIES = 200

/**
 * A network telemetry store (InfluxDB) with a durable spool in front: a write the store cannot take
 * because it is unreachable (HUB_TELEMETRY_UNAVAILABLE: refused, reset, timed out) is committed to the
 * spool file instead and succeeds, so ingest acknowledges the device and drift and alerts carry on.
 * A replayer writes the spool to the store in arrival order, retrying with exponential backoff, and
 * deletes each entry once written; while anything is spooled, new writes queue behind it. Writes are
 * idempotent per key, so a replay cut short by a crash stores nothing twice when repeated.
 *
 * Full (`maxPoints`): a write that does not fit fails with HUB_TELEMETRY_UNAVAILABLE, as it would
 * without a spool: the broker withholds its PUBACK and the device keeps the message in its outbox.
 * Other errors (HUB_STORE_FAILED: the database answered with an error) are never spooled. Reads go
 * to the store: spooled points are counted once replayed.
 */
export class SpoolingTelemetry implements TelemetryStore {
  readonly stats: SpoolStats
  private replaying: Promise<void> | undefined
  private closing: Promise<void> | undefined
  private wake: (() => void) | undefined
  private readonly maxPoints: number
  private readonly retryMs: number
  private readonly maxRetryMs: number

  private constructor(private readonly inner: TelemetryStore, private readonly spool: SpoolFile, private readonly o: SpoolOptions) {
    this.maxPoints = o.maxPoints ?? SPOOL_DEFAULTS.maxPoints
    this.retryMs = o.retryMs ?? SPOOL_DEFAULTS.retryMs
    this.maxRetryMs = o.maxRetryMs ?? SPOOL_DEFAULTS.maxRetryMs
    this.stats = { spooled: 0, replayed: 0, refused: 0, get depth() { return spool.depth } }
  }

  /** Opens the spool file in front of `inner` and starts replaying what an earlier run left in it. */
  static async open(inner: TelemetryStore, o: SpoolOptions): Promise<SpoolingTelemetry> {
    const s = new SpoolingTelemetry(inner, SpoolFile.open(o.path), o)
    if (s.spool.depth > 0) {
      o.logger?.info({ points: s.spool.depth }, 'telemetry spool: replaying points an earlier run could not store')
      s.startReplay()
    }
    return s
  }

  get kind(): string {
    return this.inner.kind
  }

  async writePredictions(points: readonly PredictionPoint[]): Promise<void> {
    this.assertOpen()
    checkPredictionPoints(points)
    await this.write(points, () => this.inner.writePredictions(points), () => this.spool.append('pred', points))
  }

  async writeDriftWindows(records: readonly DriftWindowRecord[]): Promise<void> {
    this.assertOpen()
    checkDriftWindows(records)
    await this.write(records, () => this.inner.writeDriftWindows(records), () => this.spool.append('drift', records))
  }

  countPredictions(q?: PredictionQuery): Promise<number> {
    return this.inner.countPredictions(q)
  }

  aggregatePredictions(q: TimeRange & { deviceId: string; everyMs: number }): Promise<PredictionBucket[]> {
    return this.inner.aggregatePredictions(q)
  }

  queryDriftWindows(q: DriftWindowQuery): Promise<DriftWindowRecord[]> {
    return this.inner.queryDriftWindows(q)
  }

  setRetention(days: number): Promise<void> {
    return this.inner.setRetention(days)
  }

  /** Resolves once the spool is empty (replayed), or at once when it is. */
  async drained(): Promise<void> {
    while (this.spool.depth > 0 && !this.closing) await (this.replaying ?? this.startReplay())
  }

  /** Stops replaying (what is left stays in the spool file for the next run), then closes the store. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.wake?.()
      await this.replaying
      this.spool.close()
      await this.inner.close()
    })()
    return this.closing
  }

  private async write(items: readonly unknown[], direct: () => Promise<void>, append: () => void): Promise<void> {
    if (items.length === 0) return
    if (this.spool.depth === 0) {
      try {
        return await direct()
      } catch (err) {
        if (!(err instanceof HubError && err.code === 'HUB_TELEMETRY_UNAVAILABLE') || this.closing) throw err
        if (this.spool.depth === 0) this.o.logger?.warn({ err: err.message }, 'telemetry store unreachable: spooling writes to disk and replaying them when it is back')
      }
    }
    // something is spooled (or this write just failed): queue behind it, in order
    if (this.spool.depth + items.length > this.maxPoints) {
      this.stats.refused += items.length
      throw new HubError(
        'HUB_TELEMETRY_UNAVAILABLE',
        `the telemetry spool is full (${this.spool.depth} points waiting for an unreachable store): devices keep their messages until it drains. Bring the telemetry database back, or raise telemetrySpoolMaxPoints`,
      )
    }
    append()
    this.stats.spooled += items.length
    this.startReplay()
  }

  private startReplay(): Promise<void> {
    this.replaying ??= this.replay().finally(() => (this.replaying = undefined))
    return this.replaying
  }

  /** Writes the spool to the store, oldest first, until it is empty or the store closes. */
  private async replay(): Promise<void> {
    let wait = this.retryMs
    let failures = 0
    while (this.spool.depth > 0 && !this.closing) {
      const entries = this.spool.peek(REPLAY_ENTRIES)
      try {
        await Promise.all(entries.map((e) => this.replayOne(e)))
      } catch (err) {
        if (failures++ === 0) this.o.logger?.warn({ err: (err as Error).message, waiting: this.spool.depth }, 'telemetry spool: replay failed; retrying with backoff')
        await this.sleep(wait * (0.5 + Math.random() / 2))
        wait = Math.min(wait * 2, this.maxRetryMs)
        continue
      }
      for (const e of entries) this.spool.delete(e)
      this.stats.replayed += entries.reduce((n, e) => n + e.items.length, 0)
      wait = this.retryMs
      if (this.spool.depth === 0) this.o.logger?.info({ replayed: this.stats.replayed }, 'telemetry spool: replayed; writing directly again')
    }
  }

  private replayOne(e: SpoolEntry): Promise<void> {
    return e.kind === 'pred' ? this.inner.writePredictions(e.items) : this.inner.writeDriftWindows(e.items)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      function done(): void {
        clearTimeout(t)
        resolve()
      }
      this.wake = done
    })
  }

  private assertOpen(): void {
    if (this.closing) throw closedError(this.kind)
  }
}
