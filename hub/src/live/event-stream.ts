import type { ServerResponse } from 'node:http'

export interface EventStreamOptions {
  /** a client this far behind (bytes queued, unread) is disconnected; it reconnects and reloads (default 4 MiB) */
  maxBufferedBytes?: number
  /** a comment line this often keeps idle connections and proxies open (default 15 s) */
  pingMs?: number
  /** called once when the stream ends, with why */
  onEnd?: (reason: 'client-closed' | 'slow-client' | 'server-closed') => void
}

const DEFAULT_MAX_BUFFERED = 4 << 20
const DEFAULT_PING_MS = 15_000

/**
 * One server-sent-events response (`text/event-stream`): frames are `event: <type>\ndata: <json>\n\n`.
 * A reader that stops reading is cut off rather than buffered without bound: the dashboard reconnects
 * and loads the current state again, so nothing it shows is lost.
 */
export class EventStream {
  private readonly ping: NodeJS.Timeout
  private ended = false

  constructor(private readonly raw: ServerResponse, private readonly o: EventStreamOptions = {}) {
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies would otherwise hold events back in their buffers
      'x-accel-buffering': 'no',
    })
    raw.write(': edgefleet live events\n\n')
    this.ping = setInterval(() => this.write(': ping\n\n'), o.pingMs ?? DEFAULT_PING_MS)
    this.ping.unref()
    raw.on('close', () => this.end('client-closed'))
  }

  get open(): boolean {
    return !this.ended
  }

  send(type: string, body: unknown): void {
    this.write(`event: ${type}\ndata: ${JSON.stringify(body)}\n\n`)
  }

  /** Ends the response (server shutdown); idempotent. */
  close(): void {
    this.end('server-closed')
  }

  private write(frame: string): void {
    if (this.ended) return
    if (this.raw.writableLength > (this.o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED)) {
      this.end('slow-client')
      return
    }
    this.raw.write(frame)
  }

  private end(reason: 'client-closed' | 'slow-client' | 'server-closed'): void {
    if (this.ended) return
    this.ended = true
    clearInterval(this.ping)
    if (reason === 'slow-client') this.raw.destroy()
    else if (!this.raw.writableEnded) this.raw.end()
    this.o.onEnd?.(reason)
  }
}
