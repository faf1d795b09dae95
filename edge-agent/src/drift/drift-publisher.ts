import type { Writable } from 'node:stream'
import { ProtocolError, type DriftSummary, type ModelRef } from '@edgefleet/protocol'
import type { WindowContent } from '@edgefleet/models/drift'
import type { Static } from 'typebox'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import type { Uplink } from '../uplink/outbox.ts'

/** Options of {@link DriftPublisher}. */
export interface DriftPublisherOptions {
  model: Static<typeof ModelRef>
  /** the hub link (or an outbox): summaries go out with the device's next seq, buffered on disk like predictions */
  uplink?: Uplink
  /** `--drift-out`: one `DriftSummary` per line */
  out?: Writable
  /** end `out` on close (a file the caller opened for this) */
  ownsOut?: boolean
  /** device id of summaries written without a hub (default `local`) */
  deviceId?: string
  logger?: Logger
}

const LOGGED_REFUSALS = 10

/**
 * Turns closed drift windows into protocol `DriftSummary` messages: into the uplink's outbox (seq
 * from the outbox, so they are stored offline and delivered exactly like predictions) and/or a
 * JSONL file. Without an uplink, seqs count windows from 1. Never throws: a summary the protocol
 * refuses is counted and logged.
 */
export class DriftPublisher {
  /** summaries handed to the uplink */
  sent = 0
  /** summaries written to `out` */
  written = 0
  /** summaries the uplink refused (invalid, too large, link closing) */
  refused = 0
  private localSeq = 0
  private readonly logger: Logger

  constructor(private readonly o: DriftPublisherOptions) {
    this.logger = o.logger ?? silentLogger
  }

  publish(content: WindowContent): void {
    const message = this.o.uplink ? this.enqueue(content, this.o.uplink) : this.build(content, this.o.deviceId ?? 'local', ++this.localSeq)
    if (message && this.o.out) {
      this.o.out.write(`${JSON.stringify(message)}\n`)
      this.written++
    }
  }

  /** Ends the `--drift-out` file when this publisher owns it. */
  async close(): Promise<void> {
    const out = this.o.out
    if (!out || !this.o.ownsOut || out.writableEnded) return
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  }

  private enqueue(content: WindowContent, uplink: Uplink): DriftSummary | undefined {
    let message: DriftSummary | undefined
    try {
      uplink.enqueue('drift', (seq) => (message = this.build(content, uplink.deviceId, seq)))
      this.sent++
      return message
    } catch (err) {
      if (!(err instanceof ProtocolError || err instanceof AgentError)) throw err
      if (++this.refused <= LOGGED_REFUSALS) this.logger.warn({ code: err.code, count: content.window.count }, `drift summary not sent to the hub: ${err.message}`)
      return undefined
    }
  }

  private build(content: WindowContent, deviceId: string, seq: number): DriftSummary {
    return { v: 1, deviceId, seq, ts: Date.now(), model: { name: this.o.model.name, version: this.o.model.version }, window: content.window, features: content.features, outputs: content.outputs }
  }
}
