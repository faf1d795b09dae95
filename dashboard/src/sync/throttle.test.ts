import { describe, expect, it } from 'vitest'
import { throttle, type ThrottleClock } from './throttle.ts'

function fakeClock() {
  let now = 0
  let timers: { at: number; fn: () => void; id: number }[] = []
  let nextId = 0
  const clock: ThrottleClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.push({ at: now + ms, fn, id: ++nextId })
      return nextId
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id)
    },
  }
  const advance = (ms: number) => {
    now += ms
    const due = timers.filter((t) => t.at <= now)
    timers = timers.filter((t) => t.at > now)
    due.forEach((t) => t.fn())
  }
  return { clock, advance }
}

describe('throttle', () => {
  it('runs the first request at once and folds the rest of the interval into one trailing call', () => {
    const { clock, advance } = fakeClock()
    let calls = 0
    const t = throttle(() => (calls += 1), 5000, clock)
    t.request()
    expect(calls).toBe(1)
    advance(1000)
    t.request()
    t.request()
    expect(calls).toBe(1)
    advance(3999)
    expect(calls).toBe(1)
    advance(1)
    expect(calls).toBe(2)
    advance(10_000)
    expect(calls).toBe(2)
    t.request()
    expect(calls).toBe(3)
  })

  it('drops a pending call on cancel', () => {
    const { clock, advance } = fakeClock()
    let calls = 0
    const t = throttle(() => (calls += 1), 5000, clock)
    t.request()
    t.request()
    t.cancel()
    advance(6000)
    expect(calls).toBe(1)
  })
})
