import { describe, expect, it } from 'vitest'
import { DeviceCounters } from './device-counters.ts'

describe('DeviceCounters', () => {
  it('recognises a redelivered seq only after the first copy was handled', () => {
    const c = new DeviceCounters()
    expect(c.seen('a', 7)).toBe(false)
    // the first delivery's store failed: nothing was recorded, so the resend is new
    expect(c.seen('a', 7)).toBe(false)
    c.handled('a', 7, false, 10)
    expect(c.seen('a', 7)).toBe(true)
    c.handled('a', 7, true, 0)
    expect(c.get('a')).toEqual({ messages: 2, invalid: 0, predictions: 10, duplicates: 1 })
    expect(c.seen('b', 7)).toBe(false)
  })
  it('counts invalid messages per device', () => {
    const c = new DeviceCounters()
    c.invalid('a')
    c.invalid('a')
    expect(c.get('a').invalid).toBe(2)
    expect(c.get('b').invalid).toBe(0)
  })
})
