import { checkDriftWindows } from '../telemetry/drift-record-checks.ts'
import type { DriftWindowRecord } from '../telemetry/drift-records.ts'
import type { TelemetryStore } from '../telemetry/telemetry-store.ts'
import type { JudgedWindowRecord } from './drift-engine.ts'

export interface DriftHistoryLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export interface DriftHistoryOptions {
  store: Pick<TelemetryStore, 'writeDriftWindows'>
  logger?: DriftHistoryLogger
  /** windows kept in memory while the store fails (default 1000); beyond it the oldest are dropped */
  maxBacklog?: number
  /** kept windows are tried again at most this often, when a new window arrives, ms (default 5000) */
  retryMs?: number
  /** windows not stored when judged (`failed`: kept for a retry) or given up (`dropped`) */
  observe?: (outcome: 'failed' | 'dropped', windows: number) => void
  now?: () => number
}

/** Windows per write when a backlog is caught up, so one retry never builds a huge request. */
const RETRY_CHUNK = 100

/** A judged window as the telemetry store keeps it. */
export function toDriftRecord(r: JudgedWindowRecord): DriftWindowRecord {
  return {
    ts: r.window.end,
    start: r.window.start,
    deviceId: r.deviceId,
    seq: r.seq,
    model: r.model.name,
    version: r.model.version,
    count: r.window.count,
    driftShare: r.verdict.driftShare,
    dataDrift: r.verdict.dataDrift,
    features: r.verdict.features.map((f) => ({
      name: f.name,
      count: f.count,
      missingRate: f.missingRate,
      psi: f.psi,
      jensenShannon: f.jensenShannon,
      ks: f.ks,
      ksPValue: f.ksPValue,
      wasserstein: f.wasserstein,
      thresholds: { ...f.thresholds },
      drifted: f.drifted,
    })),
  }
}

/**
 * Stores every judged window's statistics for `GET /api/v1/drift/history` (the drift engine's
 * `onVerdict`). `record` never rejects: the engine awaits it before stepping hysteresis and emitting
 * alerts, and a throw there would skip the alerts and, inside device ingest, withhold the MQTT ack;
 * the resent summary would then be merged into the fleet window a second time and judged without
 * the smaller windows merged before it. The history is derived data (the engine's merges live in
 * memory), so a failed write is logged and counted, and the window is kept in a bounded backlog
 * that is retried as later windows arrive and on close. Writes are idempotent, so a retry of a
 * window that did reach the store stores nothing twice.
 */
export class DriftHistory {
  private backlog: DriftWindowRecord[] = []
  /** true from a failed write until the backlog is caught up */
  private failing = false
  private retrying: Promise<void> | null = null
  private lastTry = -Infinity
  private dropping = false
  private readonly now: () => number

  constructor(private readonly o: DriftHistoryOptions) {
    this.now = o.now ?? Date.now
  }

  /** Windows waiting for the store. */
  get pending(): number {
    return this.backlog.length
  }

  /** Stores one judged window; while the store is failing, queues it and maybe retries the backlog. */
  async record(judged: JudgedWindowRecord): Promise<void> {
    const record = toDriftRecord(judged)
    try {
      checkDriftWindows([record])
    } catch (err) {
      this.o.observe?.('dropped', 1)
      this.o.logger?.error({ err: (err as Error).message }, 'drift statistics of a judged window not stored')
      return
    }
    if (this.failing) {
      this.o.observe?.('failed', 1)
      this.keep([record])
      this.retrySoon()
      return
    }
    try {
      await this.o.store.writeDriftWindows([record])
    } catch (err) {
      this.failed(err, [record])
    }
  }

  /** Waits for a retry in flight, then tries the rest once more (call before the store closes). */
  async flush(): Promise<void> {
    await this.retrying
    if (this.backlog.length > 0) await this.retry()
    if (this.backlog.length > 0) this.o.logger?.warn({ windows: this.backlog.length }, 'drift statistics of judged windows not stored: the telemetry store is still failing')
  }

  private failed(err: unknown, records: DriftWindowRecord[]): void {
    this.o.observe?.('failed', records.length)
    if (!this.failing) {
      this.failing = true
      this.lastTry = this.now()
      this.o.logger?.error(
        { err: (err as Error).message, code: (err as { code?: unknown }).code },
        `cannot store drift statistics; alerts go on, and up to ${this.maxBacklog} judged windows are kept and retried as new windows arrive`,
      )
    }
    this.keep(records)
  }

  /** Adds to the backlog (oldest first), dropping the oldest beyond its bound. */
  private keep(records: readonly DriftWindowRecord[], front = false): void {
    this.backlog = front ? [...records, ...this.backlog] : [...this.backlog, ...records]
    const excess = this.backlog.length - this.maxBacklog
    if (excess <= 0) return
    this.backlog.splice(0, excess)
    this.o.observe?.('dropped', excess)
    if (!this.dropping) this.o.logger?.warn({ maxBacklog: this.maxBacklog }, 'drift statistics backlog full: dropping the oldest judged windows')
    this.dropping = true
  }

  private retrySoon(): void {
    if (this.retrying || this.now() - this.lastTry < (this.o.retryMs ?? 5000)) return
    this.retrying = this.retry().finally(() => {
      this.retrying = null
    })
  }

  /** Writes the backlog in chunks, oldest first; stops at the first failure, keeping the rest. */
  private async retry(): Promise<void> {
    this.lastTry = this.now()
    let stored = 0
    while (this.backlog.length > 0) {
      const chunk = this.backlog.splice(0, RETRY_CHUNK)
      try {
        await this.o.store.writeDriftWindows(chunk)
      } catch {
        this.keep(chunk, true)
        return
      }
      stored += chunk.length
    }
    if (!this.failing) return
    this.failing = false
    this.dropping = false
    this.o.logger?.info({ windows: stored }, 'drift statistics stored again: the kept judged windows are caught up')
  }

  private get maxBacklog(): number {
    return this.o.maxBacklog ?? 1000
  }
}
