/**
 * A bounded FIFO between sources and the batcher. File sources `push` and wait while it is full
 * (backpressure slows the reader); live sources `tryPush` and count what does not fit.
 */
export class BoundedQueue<T> {
  private readonly items: (T | undefined)[]
  private head = 0
  private size = 0
  private closed = false
  private readonly spaceWaiters: (() => void)[] = []
  private itemWaiter: (() => void) | undefined

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`)
    this.items = new Array<T | undefined>(capacity)
  }

  get length(): number {
    return this.size
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Adds an item if there is room; false when full or closed (the caller counts the drop). */
  tryPush(item: T): boolean {
    if (this.closed || this.size === this.capacity) return false
    this.items[(this.head + this.size) % this.capacity] = item
    this.size++
    this.wakeTaker()
    return true
  }

  /** Adds an item, waiting while the queue is full. Returns false if the queue was closed meanwhile. */
  async push(item: T): Promise<boolean> {
    while (this.size === this.capacity && !this.closed) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve))
    }
    return this.tryPush(item)
  }

  /**
   * Takes up to `max` items: waits for the first, then up to `waitMs` for the batch to fill.
   * Returns an empty array only when the queue is closed and drained.
   */
  async take(max: number, waitMs: number): Promise<T[]> {
    if (this.size === 0 && !this.closed) await this.waitForItems(1, Infinity)
    if (this.size < max && !this.closed && waitMs > 0) await this.waitForItems(max, waitMs)
    return this.takeNow(max)
  }

  /** Takes up to `max` items that are already queued, without waiting (the consumer's fast path). */
  takeNow(max: number): T[] {
    const n = Math.min(max, this.size)
    const out = new Array<T>(n)
    for (let i = 0; i < n; i++) {
      const idx = (this.head + i) % this.capacity
      out[i] = this.items[idx] as T
      this.items[idx] = undefined
    }
    this.head = (this.head + n) % this.capacity
    this.size -= n
    for (const wake of this.spaceWaiters.splice(0, this.spaceWaiters.length)) wake()
    return out
  }

  /** No more items will come; a waiting `take` returns what is left. */
  close(): void {
    this.closed = true
    this.wakeTaker()
    for (const wake of this.spaceWaiters.splice(0, this.spaceWaiters.length)) wake()
  }

  private target = 0

  private waitForItems(count: number, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(done, ms)
      this.target = count
      this.itemWaiter = done
      const self = this
      function done(): void {
        if (timer) clearTimeout(timer)
        self.itemWaiter = undefined
        resolve()
      }
    })
  }

  private wakeTaker(): void {
    if (this.itemWaiter && (this.size >= this.target || this.closed)) this.itemWaiter()
  }
}
