import type { LiveStatus } from './live-connection.ts'
import type { LiveMessage } from './live-events.ts'

export type BatchListener = (messages: readonly LiveMessage[]) => void
export type StatusListener = (status: LiveStatus, generation: number) => void

export interface LiveBusOptions {
  /** how long messages are gathered before they are handed on together (one render for a burst) */
  batchMs?: number
  setTimeout?: (fn: () => void, ms: number) => unknown
}

/**
 * Hands live messages to the page in batches, and counts `ready`s: each one starts a new generation, after
 * which everything loaded over REST must be loaded again. Messages before a `ready` are delivered before the
 * generation changes, so nobody applies an old connection's events to state loaded for the new one.
 */
export class LiveBus {
  readonly #batchMs: number
  readonly #setTimeout: (fn: () => void, ms: number) => unknown
  readonly #batchListeners = new Set<BatchListener>()
  readonly #statusListeners = new Set<StatusListener>()
  #queue: LiveMessage[] = []
  #scheduled = false
  #status: LiveStatus = { state: 'reconnecting', problem: null }
  #generation = 0

  constructor(o: LiveBusOptions = {}) {
    this.#batchMs = o.batchMs ?? 100
    this.#setTimeout = o.setTimeout ?? ((fn, ms) => setTimeout(fn, ms))
  }

  get status(): LiveStatus {
    return this.#status
  }

  /** Bumped by every `ready`: the number of times the stream has (re)subscribed. */
  get generation(): number {
    return this.#generation
  }

  push(message: LiveMessage): void {
    if (message.type === 'ready') {
      this.flush()
      this.#generation += 1
      this.#emitStatus()
      return
    }
    this.#queue.push(message)
    if (!this.#scheduled) {
      this.#scheduled = true
      this.#setTimeout(() => this.flush(), this.#batchMs)
    }
  }

  setStatus(status: LiveStatus): void {
    this.#status = status
    this.#emitStatus()
  }

  /** Delivers the queued messages now. */
  flush(): void {
    this.#scheduled = false
    if (this.#queue.length === 0) return
    const batch = this.#queue
    this.#queue = []
    for (const listener of [...this.#batchListeners]) listener(batch)
  }

  onBatch(listener: BatchListener): () => void {
    this.#batchListeners.add(listener)
    return () => this.#batchListeners.delete(listener)
  }

  onStatus(listener: StatusListener): () => void {
    this.#statusListeners.add(listener)
    return () => this.#statusListeners.delete(listener)
  }

  #emitStatus(): void {
    for (const listener of [...this.#statusListeners]) listener(this.#status, this.#generation)
  }
}
