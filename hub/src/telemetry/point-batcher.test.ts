import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PointBatcher } from './point-batcher.ts'

/** A fake request: records each batch and completes when the test says so. */
function recorder() {
  const sent: number[][] = []
  const pending: { resolve(): void; reject(err: Error): void }[] = []
  const send = (items: number[]): Promise<void> => {
    sent.push(items)
    return new Promise((resolve, reject) => pending.push({ resolve, reject }))
  }
  return { sent, pending, send }
}

/** Lets `ms` of fake time pass, running the promise callbacks due on the way. */
const tick = async (ms = 0): Promise<void> => {
  await vi.advanceTimersByTimeAsync(ms)
}

describe('PointBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('shares one request among calls made within the linger time', async () => {
    const r = recorder()
    const b = new PointBatcher(r.send, { maxPoints: 100, lingerMs: 5, maxInFlight: 2 })
    const calls = [b.add([1, 2]), b.add([3]), b.add([4, 5])]
    expect(r.sent).toEqual([])
    await tick(20)
    expect(r.sent).toEqual([[1, 2, 3, 4, 5]])
    r.pending[0]!.resolve()
    await Promise.all(calls)
  })

  it('with no linger, sends a burst of calls in one request on the next turn', async () => {
    const r = recorder()
    const b = new PointBatcher(r.send, { maxPoints: 100, lingerMs: 0, maxInFlight: 2 })
    const calls = [b.add([1]), b.add([2, 3])]
    expect(r.sent).toEqual([])
    await tick()
    expect(r.sent).toEqual([[1, 2, 3]])
    r.pending[0]!.resolve()
    await Promise.all(calls)
  })

  it('sends full batches at once and keeps at most maxInFlight requests', async () => {
    const r = recorder()
    const b = new PointBatcher(r.send, { maxPoints: 3, lingerMs: 1000, maxInFlight: 2 })
    const call = b.add([1, 2, 3, 4, 5, 6, 7, 8])
    await tick()
    expect(r.sent).toEqual([[1, 2, 3], [4, 5, 6]])
    r.pending[0]!.resolve()
    await tick()
    // a slot is free, but [7, 8] is not full and has not lingered yet
    expect(r.sent).toHaveLength(2)
    const drained = b.drain()
    await tick()
    expect(r.sent).toEqual([[1, 2, 3], [4, 5, 6], [7, 8]])
    r.pending[1]!.resolve()
    r.pending[2]!.resolve()
    await Promise.all([call, drained])
  })

  it('keeps filling the next batch while every request is busy', async () => {
    const r = recorder()
    const b = new PointBatcher(r.send, { maxPoints: 100, lingerMs: 1, maxInFlight: 1 })
    const first = b.add([1])
    await tick(10)
    const later = [b.add([2]), b.add([3])]
    await tick(10)
    later.push(b.add([4]))
    expect(r.sent).toEqual([[1]])
    r.pending[0]!.resolve()
    await first
    await tick()
    expect(r.sent).toEqual([[1], [2, 3, 4]])
    r.pending[1]!.resolve()
    await Promise.all(later)
  })

  it('rejects exactly the calls whose points were in a failed request', async () => {
    const r = recorder()
    const b = new PointBatcher(r.send, { maxPoints: 2, lingerMs: 1, maxInFlight: 4 })
    const a = b.add([1, 2])
    const spanning = b.add([3, 4, 5])
    await tick(10)
    expect(r.sent).toEqual([[1, 2], [3, 4], [5]])
    r.pending[0]!.resolve()
    r.pending[1]!.resolve()
    r.pending[2]!.reject(new Error('connection reset'))
    await expect(a).resolves.toBeUndefined()
    await expect(spanning).rejects.toThrow('connection reset')
  })

  it('drain resolves at once when idle, and after the last request otherwise', async () => {
    const r = recorder()
    const b = new PointBatcher(r.send, { maxPoints: 10, lingerMs: 1000, maxInFlight: 1 })
    await b.drain()
    const call = b.add([1])
    let drained = false
    const d = b.drain().then(() => (drained = true))
    await tick()
    expect(drained).toBe(false)
    r.pending[0]!.resolve()
    await Promise.all([call, d])
    expect(drained).toBe(true)
  })
})
