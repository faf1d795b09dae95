import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { InfluxDB, type IPoint, type ISingleHostConfig } from 'influx'
import { HubError } from '../errors.ts'
import { checkDriftQuery, checkDriftWindows } from './drift-record-checks.ts'
import type { DriftWindowQuery, DriftWindowRecord } from './drift-records.ts'
import { toDriftPoints } from './influx-drift-point.ts'
import { driftFeaturesQuery, driftWindowsQuery, parseDriftWindows, rows, timeSpan } from './influx-drift-queries.ts'
import { toInfluxPoint } from './influx-point.ts'
import {
  aggregateQuery, alterRetentionQuery, countQuery, deleteBeforeQuery, parseAggregate, parseCount,
  parseDefaultRetention, type InfluxQuery, type RawResult,
} from './influx-queries.ts'
import { parseInfluxUrl, type InfluxLocation } from './influx-url.ts'
import { PointBatcher } from './point-batcher.ts'
import {
  checkBucketWidth, checkPredictionPoints, checkRetentionDays, checkTimeRange, closedError, retentionCutoff,
} from './telemetry-checks.ts'
import type { PredictionBucket, PredictionPoint, PredictionQuery, TelemetryStore, TimeRange } from './telemetry-store.ts'

/** Options of {@link InfluxTelemetry.open}. */
export interface InfluxTelemetryOptions {
  /** most points in one write request (default 5000) */
  maxBatchPoints?: number
  /**
   * how long a write waits for others to share its request, ms (default 0: the next event-loop turn).
   * Under load batches grow anyway while all `maxInFlight` requests are busy; a linger only adds
   * latency, paid on every call by a caller that awaits each write (as ingest does per message).
   */
  lingerMs?: number
  /** write requests in flight at once (default 4) */
  maxInFlight?: number
  /** an unanswered request fails after this long, ms (default 10 000) */
  requestTimeoutMs?: number
}

const DAY_MS = 86_400_000

type BackoffStrategy = NonNullable<NonNullable<ISingleHostConfig['pool']>['backoff']>

/** No backoff: the client would otherwise take its only host out of the pool on one failed request. */
const NO_BACKOFF: BackoffStrategy = { getDelay: () => 0, next: () => NO_BACKOFF, reset: () => NO_BACKOFF }

/**
 * Telemetry in an InfluxDB 1.x database (`influx` client). Points are keyed so that a resent
 * prediction overwrites itself (see `influx-point.ts`); writes from concurrent callers share
 * batched requests; retention is the database's default retention policy.
 */
export class InfluxTelemetry implements TelemetryStore {
  readonly kind = 'influxdb'
  private readonly batcher: PointBatcher<IPoint>
  private closing: Promise<void> | undefined

  private constructor(
    private readonly client: InfluxDB,
    private readonly agent: HttpAgent,
    private readonly location: InfluxLocation,
    private retention: { policy: string; days: number },
    options: InfluxTelemetryOptions,
  ) {
    this.batcher = new PointBatcher((points) => this.send(points), {
      maxPoints: options.maxBatchPoints ?? 5000,
      lingerMs: options.lingerMs ?? 0,
      maxInFlight: options.maxInFlight ?? 4,
    })
  }

  /** Connects to `http(s)://host:port/database`, creating the database when missing. */
  static async open(url: string, options: InfluxTelemetryOptions = {}): Promise<InfluxTelemetry> {
    const location = parseInfluxUrl(url)
    const maxInFlight = options.maxInFlight ?? 4
    const agent = new (location.protocol === 'https' ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets: maxInFlight + 2 })
    const client = new InfluxDB({
      host: location.host,
      port: location.port,
      protocol: location.protocol,
      database: location.database,
      ...(location.username !== undefined ? { username: location.username, password: location.password ?? '' } : {}),
      options: { agent },
      // writes are idempotent, so one retry of a dropped keep-alive connection is safe
      pool: { maxRetries: 1, requestTimeout: options.requestTimeoutMs ?? 10_000, backoff: NO_BACKOFF },
    })
    try {
      if (!(await client.getDatabaseNames()).includes(location.database)) await client.createDatabase(location.database)
      const rp = parseDefaultRetention(await rawQuery(client, { q: 'SHOW RETENTION POLICIES', params: {} }))
      const retention = { policy: rp?.name ?? 'autogen', days: (rp?.durationMs ?? 0) / DAY_MS }
      return new InfluxTelemetry(client, agent, location, retention, options)
    } catch (err) {
      agent.destroy()
      throw new HubError(
        'HUB_TELEMETRY_UNAVAILABLE',
        `cannot use InfluxDB at ${location.display}: ${describe(err)}. Start InfluxDB 1.x there, fix the URL or its credentials, or use --telemetry sqlite`,
        { cause: err },
      )
    }
  }

  async writePredictions(points: readonly PredictionPoint[]): Promise<void> {
    this.assertOpen()
    checkPredictionPoints(points)
    const cutoff = retentionCutoff(this.retention.days)
    // InfluxDB refuses points older than the retention policy: leave them out, as SQLite does
    const kept = cutoff === null ? points : points.filter((p) => p.ts >= cutoff)
    await this.batcher.add(kept.map(toInfluxPoint))
  }

  /** Shares the predictions' batched requests; a resent window overwrites itself (`influx-drift-point.ts`). */
  async writeDriftWindows(records: readonly DriftWindowRecord[]): Promise<void> {
    this.assertOpen()
    checkDriftWindows(records)
    const cutoff = retentionCutoff(this.retention.days)
    const kept = cutoff === null ? records : records.filter((r) => r.ts >= cutoff)
    await this.batcher.add(kept.flatMap(toDriftPoints))
  }

  /** Two reads: the newest windows, then the features of the milliseconds they span, joined here. */
  async queryDriftWindows(q: DriftWindowQuery): Promise<DriftWindowRecord[]> {
    this.assertOpen()
    const limit = checkDriftQuery(q)
    const windows = rows(await this.query(driftWindowsQuery(q, limit), 'read drift windows'))
    const span = timeSpan(windows)
    if (!span) return []
    const features = rows(await this.query(driftFeaturesQuery(q, span.from, span.to), 'read drift features'))
    return parseDriftWindows(windows, features)
  }

  async countPredictions(q: PredictionQuery = {}): Promise<number> {
    this.assertOpen()
    checkTimeRange(q, 'countPredictions')
    return parseCount(await this.query(countQuery(q), 'count predictions'))
  }

  /** Buckets start at `from` and every `everyMs` after it; only buckets with predictions are returned. */
  async aggregatePredictions(q: TimeRange & { deviceId: string; everyMs: number }): Promise<PredictionBucket[]> {
    this.assertOpen()
    checkTimeRange(q, 'aggregatePredictions')
    checkBucketWidth(q.everyMs)
    const results = await this.queryAll(aggregateQuery(q), 'aggregate predictions')
    return parseAggregate(results[0] ?? {}, results[1] ?? {})
  }

  /**
   * Sets the default retention policy's duration (whole hours, at least one) and deletes older
   * predictions and drift windows now. From then on InfluxDB expires data itself, a whole shard group (an hour, or a
   * day for retentions of two days and more) at a time.
   */
  async setRetention(days: number): Promise<void> {
    this.assertOpen()
    checkRetentionDays(days)
    const { database } = this.location
    await this.query({ q: alterRetentionQuery(database, this.retention.policy, days), params: {} }, 'set the retention policy')
    this.retention = { ...this.retention, days }
    const cutoff = retentionCutoff(days)
    if (cutoff !== null) await this.query({ q: deleteBeforeQuery(cutoff), params: {} }, 'delete expired telemetry')
  }

  /** Sends the writes still queued, then releases the connections. A second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.batcher.drain().finally(() => this.agent.destroy())
    return this.closing
  }

  private async send(points: IPoint[]): Promise<void> {
    try {
      await this.client.writePoints(points, { precision: 'n' })
    } catch (err) {
      // points that expired between our filter and the server's check: gone either way
      if (/points beyond retention policy dropped/.test(describe(err))) return
      throw this.failure('write telemetry', err)
    }
  }

  private async query(q: InfluxQuery, what: string): Promise<RawResult> {
    return (await this.queryAll(q, what))[0] ?? {}
  }

  private async queryAll(q: InfluxQuery, what: string): Promise<RawResult[]> {
    let results: RawResult[]
    try {
      results = await rawQueryAll(this.client, q)
    } catch (err) {
      throw this.failure(what, err)
    }
    const failed = results.find((r) => r.error)
    if (failed) throw new HubError('HUB_STORE_FAILED', `InfluxDB at ${this.location.display} could not ${what}: ${failed.error}`)
    return results
  }

  private failure(what: string, err: unknown): HubError {
    // Node's network errors carry a code (ECONNREFUSED, ECONNRESET, ETIMEDOUT…); HTTP answers do not
    const unreachable = typeof (err as { code?: unknown } | null)?.code === 'string' || /No host available|timed out/i.test(describe(err))
    return new HubError(
      unreachable ? 'HUB_TELEMETRY_UNAVAILABLE' : 'HUB_STORE_FAILED',
      `InfluxDB at ${this.location.display} could not ${what}: ${describe(err)}${unreachable ? '; is it running?' : ''}`,
      { cause: err },
    )
  }

  private assertOpen(): void {
    if (this.closing) throw closedError(this.kind)
  }
}

async function rawQueryAll(client: InfluxDB, q: InfluxQuery): Promise<RawResult[]> {
  // POST: InfluxDB 1.x refuses statements that change anything over GET
  const res = (await client.queryRaw(q.q, { precision: 'ms', placeholders: q.params, method: 'POST' })) as { results?: RawResult[]; error?: string }
  if (res.error) throw new Error(res.error)
  return res.results ?? []
}

async function rawQuery(client: InfluxDB, q: InfluxQuery): Promise<RawResult> {
  const [r] = await rawQueryAll(client, q)
  if (r?.error) throw new Error(r.error)
  return r ?? {}
}

function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describe(err.errors[0])
  const e = (typeof err === 'object' && err !== null ? err : {}) as { message?: unknown; code?: unknown }
  const message = typeof e.message === 'string' && e.message ? e.message : String(err)
  return typeof e.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message
}
