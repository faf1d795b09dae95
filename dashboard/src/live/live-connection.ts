import { ApiError, errorFromResponse, isAbort, networkError } from '../api/api-error.ts'
import { apiUrl } from '../api/hub-url.ts'
import { readEventStream } from './event-stream.ts'
import { decodeLiveEvent, type LiveMessage } from './live-events.ts'
import { reconnectDelay } from './reconnect-delay.ts'

/** `live`: subscribed (the hub's `ready` arrived); otherwise connecting or waiting to reconnect. */
export type LiveState = 'live' | 'reconnecting'

export interface LiveStatus {
  state: LiveState
  /** why the stream is not live, for people (null while live or before the first attempt ended) */
  problem: string | null
}

export interface LiveConnectionOptions {
  /** `Bearer …` header value */
  authorization: string
  onMessage: (message: LiveMessage) => void
  onStatus: (status: LiveStatus) => void
  /** the hub refused the token: the connection stops (no retry) */
  onUnauthorized: (err: ApiError) => void
  fetch?: typeof fetch
  random?: () => number
}

/** Pings come every 15 s: three missed mean the connection is dead even if no error surfaced (a silent proxy). */
const SILENCE_MS = 45_000

/**
 * `GET /api/v1/live` read with fetch (EventSource cannot send the Authorization header), reconnecting with
 * backoff after every drop until {@link close}. Status turns `live` on each `ready`, which is also the
 * moment callers reload their state over REST.
 */
export class LiveConnection {
  readonly #o: LiveConnectionOptions
  #abort: AbortController | null = null
  #retry: ReturnType<typeof setTimeout> | null = null
  #watchdog: ReturnType<typeof setTimeout> | null = null
  #attempt = 0
  #closed = false

  constructor(options: LiveConnectionOptions) {
    this.#o = options
  }

  start(): void {
    void this.#connect()
  }

  close(): void {
    this.#closed = true
    this.#abort?.abort()
    if (this.#retry) clearTimeout(this.#retry)
    if (this.#watchdog) clearTimeout(this.#watchdog)
  }

  async #connect(): Promise<void> {
    const abort = new AbortController()
    this.#abort = abort
    try {
      const doFetch = this.#o.fetch ?? fetch
      const response = await doFetch(apiUrl('/live'), {
        headers: { authorization: this.#o.authorization, accept: 'text/event-stream' },
        signal: abort.signal,
        cache: 'no-store',
      }).catch((err: unknown) => {
        throw isAbort(err) ? err : networkError(err)
      })
      if (!response.ok || !response.body) {
        const body = await response.json().catch(() => undefined)
        throw errorFromResponse(response.status, response.statusText, body)
      }
      this.#feedWatchdog(abort)
      await readEventStream(response.body, {
        onActivity: () => this.#feedWatchdog(abort),
        onEvent: (frame) => {
          const message = decodeLiveEvent(frame.event, frame.data)
          if (!message) return
          if (message.type === 'ready') {
            this.#attempt = 0
            this.#o.onStatus({ state: 'live', problem: null })
          }
          this.#o.onMessage(message)
        },
      })
      this.#dropped('the hub closed the live stream')
    } catch (err) {
      if (this.#closed) return
      if (err instanceof ApiError && err.unauthorized) {
        this.close()
        this.#o.onUnauthorized(err)
        return
      }
      this.#dropped(isAbort(err) ? 'no word from the hub for 45 s' : err instanceof Error ? err.message : String(err))
    }
  }

  #dropped(problem: string): void {
    if (this.#watchdog) clearTimeout(this.#watchdog)
    this.#abort?.abort()
    if (this.#closed) return
    const delay = reconnectDelay(this.#attempt++, (this.#o.random ?? Math.random)())
    this.#o.onStatus({ state: 'reconnecting', problem: `${problem}; retrying in ${Math.ceil(delay / 1000)} s` })
    this.#retry = setTimeout(() => void this.#connect(), delay)
  }

  #feedWatchdog(abort: AbortController): void {
    if (this.#watchdog) clearTimeout(this.#watchdog)
    this.#watchdog = setTimeout(() => abort.abort(), SILENCE_MS)
  }
}
