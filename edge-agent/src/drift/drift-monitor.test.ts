import { resolvePolicy, type WindowContent } from '@edgefleet/models/drift'
import type { DriftState } from '@edgefleet/protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DriftEvaluator } from './drift-evaluator.ts'
import { DriftMonitor, type DriftMonitorOptions } from './drift-monitor.ts'
import { referenceOrder } from './sample-layout.ts'
import { CLASSES, FEATURES, outputs, records, testReference } from './test-reference.ts'

const reference = testReference()
const monitors: DriftMonitor[] = []
afterEach(() => {
  for (const m of monitors.splice(0)) m.close()
  vi.useRealTimers()
})

function monitor(o: Partial<DriftMonitorOptions> = {}): { monitor: DriftMonitor; windows: WindowContent[]; states: DriftState[] } {
  const windows: WindowContent[] = []
  const states: DriftState[] = []
  const m = new DriftMonitor({
    reference,
    order: null,
    outputs: { classCount: CLASSES, logits: false },
    window: { samples: 10, seconds: 60 },
    evaluator: new DriftEvaluator(reference, resolvePolicy({ minCount: 5, raiseAfter: 1 }), { name: 'm', version: '1.0.0' }, Date.now()),
    publish: (w) => windows.push(w),
    onStateChange: (s) => states.push(s),
    ...o,
  })
  monitors.push(m)
  return { monitor: m, windows, states }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('DriftMonitor', () => {
  it('closes a window every windowSamples readings, within and across batches, and the partial one on close', () => {
    const { monitor: m, windows } = monitor()
    const batch = records(25, 1)
    m.observe(batch.slice(0, 7), outputs(7))
    expect(windows).toHaveLength(0)
    m.observe(batch.slice(7), outputs(18))
    expect(windows.map((w) => w.window.count)).toEqual([10, 10])
    expect(windows[0]!.window).toEqual({ start: batch[0]!.ts, end: batch[9]!.ts, count: 10 })
    for (const w of windows) {
      expect(w.features.map((f) => f.name)).toEqual(FEATURES)
      for (const f of w.features) expect(f.count + f.missing).toBe(w.window.count)
      expect(w.outputs.classCounts!.reduce((a, b) => a + b)).toBe(w.window.count)
    }
    m.close()
    expect(windows.map((w) => w.window.count)).toEqual([10, 10, 5])
    // closed: later batches and a second close add nothing
    m.observe(records(20, 2), outputs(20))
    m.close()
    expect(windows).toHaveLength(3)
    expect(m.figures()).toMatchObject({ windows: 3, judged: 3 })
  })

  it('closes a partly filled window windowSeconds after its first reading, and never an empty one', () => {
    vi.useFakeTimers()
    const { monitor: m, windows } = monitor({ window: { samples: 1000, seconds: 60 } })
    m.observe(records(3, 1), outputs(3))
    vi.advanceTimersByTime(59_999)
    expect(windows).toHaveLength(0)
    vi.advanceTimersByTime(1)
    expect(windows.map((w) => w.window.count)).toEqual([3])
    // an idle stream: no empty windows
    vi.advanceTimersByTime(600_000)
    expect(windows).toHaveLength(1)
    // the clock starts at a window's first reading, not at its latest
    m.observe(records(2, 2), outputs(2))
    vi.advanceTimersByTime(30_000)
    m.observe(records(2, 3), outputs(2))
    vi.advanceTimersByTime(30_000)
    expect(windows.map((w) => w.window.count)).toEqual([3, 4])
    m.close()
    expect(windows).toHaveLength(2)
  })

  it('a smaller window size applies at once; a shorter time restarts the clock of the open window', () => {
    vi.useFakeTimers()
    const { monitor: m, windows } = monitor({ window: { samples: 100, seconds: 600 } })
    m.observe(records(30, 1), outputs(30))
    m.resize({ samples: 20 })
    expect(windows.map((w) => w.window.count)).toEqual([30])
    m.observe(records(5, 2), outputs(5))
    m.resize({ seconds: 10 })
    vi.advanceTimersByTime(10_000)
    expect(windows.map((w) => w.window.count)).toEqual([30, 5])
    expect(m.windowSize).toEqual({ samples: 20, seconds: 10 })
  })

  it('judges a closed window on the next turn of the event loop, not inside the batch, and reports state changes', async () => {
    const { monitor: m, states } = monitor()
    m.observe(records(10, 1), outputs(10))
    expect(m.figures()).toMatchObject({ windows: 1, judged: 0, state: 'unknown' })
    await nextTurn()
    expect(m.figures()).toMatchObject({ windows: 1, judged: 1, state: 'ok' })
    m.observe(records(10, 2, 3), outputs(10))
    await nextTurn()
    expect(m.figures()).toMatchObject({ judged: 2, state: 'drifting', kinds: expect.arrayContaining(['data-drift']), features: FEATURES, drifted: 4 })
    expect(states.map((s) => s.state)).toEqual(['ok', 'drifting'])
    expect(m.state()).toEqual(states.at(-1))
  })

  it('reads features in the reference\'s order and turns logits into probabilities', () => {
    const base = monitor()
    const reordered = monitor({ order: referenceOrder([...FEATURES].reverse(), reference.features), outputs: { classCount: CLASSES, logits: true } })
    const rows = records(10, 1)
    const probabilities = outputs(10)
    base.monitor.observe(rows, probabilities)
    // the same readings in a model whose inputs come in reverse order, with log-probabilities as logits
    const reversed = rows.map((r) => ({ ...r, values: Float64Array.from(r.values).reverse() }))
    reordered.monitor.observe(reversed, { data: probabilities.data.map((p) => Math.log(p) + 3), width: CLASSES })
    const [a, b] = [base.windows[0]!, reordered.windows[0]!]
    expect(b.features).toEqual(a.features)
    expect(b.outputs.classCounts).toEqual(a.outputs.classCounts)
    expect(b.outputs.confidenceBins).toEqual(a.outputs.confidenceBins)
    expect(b.outputs.entropySum).toBeCloseTo(a.outputs.entropySum!, 4)
  })

  it('summarises features only when the model has no class outputs', () => {
    const { monitor: m, windows } = monitor({ outputs: null })
    m.observe(records(10, 1), { data: new Float32Array(10), width: 1 })
    expect(windows[0]).toMatchObject({ window: { count: 10 }, outputs: {} })
  })
})
