import { describe, expect, it } from 'vitest'
import { device, deviceEvent } from '../test-fixtures.ts'
import type { LiveMessage } from './live-events.ts'
import { LiveBus } from './live-bus.ts'

function manualTimers() {
  const pending: (() => void)[] = []
  return { setTimeout: (fn: () => void) => void pending.push(fn), run: () => pending.splice(0).forEach((fn) => fn()) }
}

const ready: LiveMessage = { type: 'ready', body: { at: 1, hubVersion: '0.1.0' } }

describe('live bus', () => {
  it('hands a burst of messages on as one batch', () => {
    const timers = manualTimers()
    const bus = new LiveBus({ setTimeout: timers.setTimeout })
    const batches: number[] = []
    bus.onBatch((b) => batches.push(b.length))
    for (let i = 0; i < 50; i++) bus.push(deviceEvent(device(`d${i}`)))
    expect(batches).toEqual([])
    timers.run()
    expect(batches).toEqual([50])
  })

  it("delivers the old connection's messages before a ready starts the next generation", () => {
    const timers = manualTimers()
    const bus = new LiveBus({ setTimeout: timers.setTimeout })
    const seen: string[] = []
    bus.onBatch((b) => seen.push(`batch ${b.length} in generation ${bus.generation}`))
    bus.onStatus((_s, g) => seen.push(`generation ${g}`))
    bus.push(deviceEvent(device('a')))
    bus.push(ready)
    expect(seen).toEqual(['batch 1 in generation 0', 'generation 1'])
    bus.push(ready)
    expect(bus.generation).toBe(2)
  })

  it('reports status changes and stops calling listeners that unsubscribed', () => {
    const bus = new LiveBus()
    const states: string[] = []
    const off = bus.onStatus((s) => states.push(s.state))
    bus.setStatus({ state: 'live', problem: null })
    off()
    bus.setStatus({ state: 'reconnecting', problem: 'cut' })
    expect(states).toEqual(['live'])
    expect(bus.status).toEqual({ state: 'reconnecting', problem: 'cut' })
  })
})
