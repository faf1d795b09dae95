import { describe, expect, it } from 'vitest'
import { BoundedQueue } from './bounded-queue.ts'

describe('BoundedQueue', () => {
  it('refuses (tryPush) when full, so live sources can count drops', () => {
    const q = new BoundedQueue<number>(2)
    expect([q.tryPush(1), q.tryPush(2), q.tryPush(3)]).toEqual([true, true, false])
    expect(q.length).toBe(2)
  })

  it('makes push wait for space (backpressure) and keeps order', async () => {
    const q = new BoundedQueue<number>(2)
    await q.push(1)
    await q.push(2)
    let third = false
    const pushing = q.push(3).then(() => { third = true })
    await new Promise((r) => setTimeout(r, 10))
    expect(third).toBe(false)
    expect(await q.take(10, 0)).toEqual([1, 2])
    await pushing
    expect(await q.take(10, 0)).toEqual([3])
  })

  it('returns a full batch at once, a partial one after the wait', async () => {
    const q = new BoundedQueue<number>(100)
    for (let i = 0; i < 5; i++) q.tryPush(i)
    expect(await q.take(3, 10_000)).toEqual([0, 1, 2])
    const t0 = performance.now()
    expect(await q.take(3, 20)).toEqual([3, 4])
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15)
  })

  it('wakes a waiting take when the batch fills', async () => {
    const q = new BoundedQueue<number>(100)
    const taking = q.take(2, 60_000)
    q.tryPush(1)
    q.tryPush(2)
    expect(await taking).toEqual([1, 2])
  })

  it('drains what is left after close, then returns empty', async () => {
    const q = new BoundedQueue<number>(4)
    q.tryPush(1)
    q.close()
    expect(q.tryPush(2)).toBe(false)
    expect(await q.take(10, 1000)).toEqual([1])
    expect(await q.take(10, 1000)).toEqual([])
  })

  it('releases a pusher waiting on a full queue when closed', async () => {
    const q = new BoundedQueue<number>(1)
    q.tryPush(1)
    const pushing = q.push(2)
    q.close()
    expect(await pushing).toBe(false)
  })
})
