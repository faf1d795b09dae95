import { describe, expect, it } from 'vitest'
import { devicesOfProcess, DueCursor, isInvalidAt, spreadOffsetMs } from './schedule.ts'

describe('fleet schedule', () => {
  it('spreads start times evenly over one period and deals devices round-robin to processes', () => {
    expect([0, 1, 2, 3].map((i) => spreadOffsetMs(i, 4, 1000))).toEqual([0, 250, 500, 750])
    expect(devicesOfProcess(10, 3, 0)).toEqual([0, 3, 6, 9])
    expect(devicesOfProcess(10, 3, 2)).toEqual([2, 5, 8])
    const all = [0, 1, 2].flatMap((p) => devicesOfProcess(10, 3, p)).sort((a, b) => a - b)
    expect(all).toEqual([...Array(10).keys()])
  })

  it('publishes each device once per period, in due order', () => {
    const offsets = devicesOfProcess(8, 2, 1).map((g) => spreadOffsetMs(g, 8, 1000)) // 125, 375, 625, 875
    const cursor = new DueCursor(offsets, 1000)
    const seen: [number, number][] = []
    const record = (d: number, r: number): number => seen.push([d, r])
    expect(cursor.takeDue(100, record)).toBe(0)
    expect(cursor.takeDue(400, record)).toBe(2)
    expect(cursor.takeDue(400, record)).toBe(0)
    // a late tick catches up on everything due since, in order
    expect(cursor.takeDue(2130, record)).toBe(7)
    expect(seen).toEqual([[0, 0], [1, 0], [2, 0], [3, 0], [0, 1], [1, 1], [2, 1], [3, 1], [0, 2]])
  })

  it('over 3 s, publishes 3 messages per device at 1 msg/s', () => {
    const cursor = new DueCursor([0, 500], 1000)
    const counts = [0, 0]
    cursor.takeDue(2999, (d) => counts[d]!++)
    expect(counts).toEqual([3, 3])
  })

  it('marks the requested share of messages invalid, evenly', () => {
    const marks = Array.from({ length: 1000 }, (_, n) => isInvalidAt(n, 0.01))
    expect(marks.filter(Boolean)).toHaveLength(10)
    expect(marks.slice(0, 100).filter(Boolean)).toHaveLength(1)
    expect(Array.from({ length: 100 }, (_, n) => isInvalidAt(n, 0)).some(Boolean)).toBe(false)
    expect(Array.from({ length: 100 }, (_, n) => isInvalidAt(n, 1)).every(Boolean)).toBe(true)
  })
})
