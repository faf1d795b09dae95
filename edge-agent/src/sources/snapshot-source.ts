import { setTimeout as sleep } from 'node:timers/promises'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import { reconnectDelayMs } from '../uplink/backoff.ts'
import { fetchSnapshot } from './fetch-snapshot.ts'
import { framePreprocessing, prepareRecord } from './frame-record.ts'
import type { Source, SourceContext } from './source.ts'

/** Options of {@link SnapshotSource}. */
export interface SnapshotSourceOptions {
  /** the camera's snapshot URL (http or https), answering each GET with one JPEG/PNG frame */
  url: string
  /** time between the starts of two requests, ms (default 1000) */
  intervalMs?: number
  /** longest a request may take, body included, ms (default 5000) */
  timeoutMs?: number
  /** largest snapshot accepted, bytes (default 32 MiB) */
  maxBytes?: number
  /** longest wait between attempts while the camera is down, ms (default 30 000) */
  maxBackoffMs?: number
  logger?: Logger
  /** jitter of the back-off (tests) */
  random?: () => number
}

/** Defaults of {@link SnapshotSourceOptions}. */
export const SNAPSHOT_DEFAULTS = { intervalMs: 1000, timeoutMs: 5000, maxBytes: 32 * 1024 * 1024, maxBackoffMs: 30_000 } as const

/**
 * Polls a camera's HTTP snapshot URL: one GET every `intervalMs`, each frame prepared with sharp for
 * the served image model and named `snapshot-<n>`. Live: a frame that finds the queue full is
 * dropped and counted (AGENT_QUEUE_FULL). Failures are rejections, counted and never fatal: a
 * timeout, refused connection or non-2xx answer is AGENT_SNAPSHOT_FAILED, and while they last the
 * polling backs off exponentially (from the interval up to `maxBackoffMs`, jittered); a body that is
 * not an image is AGENT_FRAME_INVALID. Runs until the signal aborts.
 */
export class SnapshotSource implements Source {
  readonly name: string
  readonly input = 'image'
  private readonly logger: Logger

  constructor(private readonly o: SnapshotSourceOptions) {
    let url: URL
    try {
      url = new URL(o.url)
    } catch (cause) {
      throw new AgentError('AGENT_USAGE', `--snapshot-url ${JSON.stringify(o.url)} is not a URL: give the camera's snapshot address, e.g. http://camera.local/snapshot.jpg`, { cause })
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AgentError('AGENT_USAGE', `--snapshot-url must be http:// or https://, got ${url.protocol}`)
    this.name = `snapshot:${o.url}`
    this.logger = o.logger ?? silentLogger
  }

  async run(ctx: SourceContext): Promise<void> {
    const pre = framePreprocessing(ctx, this.name)
    const intervalMs = this.o.intervalMs ?? SNAPSHOT_DEFAULTS.intervalMs
    const fetchOptions = { timeoutMs: this.o.timeoutMs ?? SNAPSHOT_DEFAULTS.timeoutMs, maxBytes: this.o.maxBytes ?? SNAPSHOT_DEFAULTS.maxBytes, signal: ctx.signal }
    const where = this.o.url
    let frames = 0
    let failures = 0
    while (!ctx.signal.aborted) {
      const started = performance.now()
      const ts = Date.now()
      const got = await fetchSnapshot(this.o.url, fetchOptions)
      if (ctx.signal.aborted) return
      let waitMs = intervalMs
      if ('rejection' in got) {
        ctx.reject({ ...got.rejection, where })
        if (got.down) {
          if (failures === 0) this.logger.warn({ url: where, code: got.rejection.code }, `camera unreachable, backing off: ${got.rejection.message}`)
          waitMs = Math.max(intervalMs, reconnectDelayMs(failures, { initialMs: Math.max(100, intervalMs * 2), maxMs: this.o.maxBackoffMs ?? SNAPSHOT_DEFAULTS.maxBackoffMs }, this.o.random))
          failures++
        }
      } else {
        if (failures > 0) this.logger.info({ url: where, failures }, 'camera reachable again')
        failures = 0
        const prepared = await prepareRecord(got.bytes, `snapshot-${++frames}`, ts, pre)
        if ('rejection' in prepared) ctx.reject({ ...prepared.rejection, where })
        else {
          prepared.record.runLocalId = true
          if (!ctx.tryPush(prepared.record)) ctx.reject({ code: 'AGENT_QUEUE_FULL', message: 'queue full: snapshot dropped', where })
        }
      }
      const left = started + waitMs - performance.now()
      if (left >= 1) await sleep(left, undefined, { signal: ctx.signal }).catch(() => {})
    }
  }
}
