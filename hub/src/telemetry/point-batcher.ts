/** Options of {@link PointBatcher}. */
export interface PointBatcherOptions {
  /** most points in one request */
  maxPoints: number
  /**
   * how long the first point of a batch waits for company before the batch may be sent, ms; 0 sends
   * on the next event-loop turn (so one burst of calls still shares a request)
   */
  lingerMs: number
  /** requests in flight at once; while all are busy, new points keep filling the next batch */
  maxInFlight: number
}

interface Batch<T> {
  items: T[]
  promise: Promise<void>
  resolve(): void
  reject(err: unknown): void
}

function newBatch<T>(): Batch<T> {
  let resolve!: () => void
  let reject!: (err: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { items: [], promise, resolve, reject }
}

/**
 * Group commit for a network store: points from many callers go out in shared requests of up to
 * `maxPoints`, sent `lingerMs` after the batch's first point or as soon as it is full, with at most
 * `maxInFlight` requests at once. `add` resolves when every one of its points has been sent (and
 * rejects with the error of a failed request).
 */
export class PointBatcher<T> {
  private open: Batch<T> = newBatch()
  private readonly full: Batch<T>[] = []
  private inFlight = 0
  private lingered = false
  /** cancels the pending linger timer, when one is running */
  private cancelLinger: (() => void) | undefined
  private readonly idleWaiters: (() => void)[] = []

  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    private readonly options: PointBatcherOptions,
  ) {}

  /** Queues points; resolves when they are all written. */
  add(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve()
    const batches = new Set<Promise<void>>()
    for (const item of items) {
      this.open.items.push(item)
      batches.add(this.open.promise)
      if (this.open.items.length >= this.options.maxPoints) {
        this.full.push(this.open)
        this.open = newBatch()
      }
    }
    if (this.open.items.length > 0 && !this.lingered && !this.cancelLinger) this.startLinger()
    this.pump()
    return Promise.all(batches).then(() => {})
  }

  /** Sends everything queued without lingering and resolves when nothing is in flight. */
  async drain(): Promise<void> {
    this.stopLinger()
    this.lingered = this.open.items.length > 0
    this.pump()
    if (this.inFlight === 0) return
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  private startLinger(): void {
    const lingerOver = (): void => {
      this.cancelLinger = undefined
      this.lingered = this.open.items.length > 0
      this.pump()
    }
    if (this.options.lingerMs > 0) {
      const timer = setTimeout(lingerOver, this.options.lingerMs)
      this.cancelLinger = () => clearTimeout(timer)
    } else {
      const immediate = setImmediate(lingerOver)
      this.cancelLinger = () => clearImmediate(immediate)
    }
  }

  private stopLinger(): void {
    this.cancelLinger?.()
    this.cancelLinger = undefined
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight) {
      let batch = this.full.shift()
      if (!batch && this.lingered && this.open.items.length > 0) {
        batch = this.open
        this.open = newBatch()
        this.lingered = false
      }
      if (!batch) break
      this.dispatch(batch)
    }
    if (this.inFlight === 0 && this.full.length === 0 && this.open.items.length === 0) {
      this.lingered = false
      for (const resolve of this.idleWaiters.splice(0)) resolve()
    }
  }

  private dispatch(batch: Batch<T>): void {
    this.inFlight++
    Promise.resolve().then(() => this.send(batch.items)).then(batch.resolve, batch.reject).finally(() => {
      this.inFlight--
      this.pump()
    })
  }
}
