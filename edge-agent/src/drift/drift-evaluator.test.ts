import { featureReference } from '@edgefleet/models'
import { DriftJudge, DriftWindow, mergeWindows, resolvePolicy, type WindowContent } from '@edgefleet/models/drift'
import { encodeChannel, type ReferenceStatistics } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { onlineStatus } from '../uplink/status.ts'
import { DriftEvaluator } from './drift-evaluator.ts'
import { CLASSES, normals, outputs, records, testReference } from './test-reference.ts'

const MODEL = { name: 'gas-sensor', version: '1.0.0' }
const reference = testReference()

/** A closed window of `n` samples, features shifted by `shift` σ. */
function content(n: number, seed: number, shift = 0, ref: ReferenceStatistics = reference): WindowContent {
  const w = new DriftWindow(ref.features, CLASSES)
  const out = outputs(n)
  records(n, seed, shift).forEach((r, i) => w.add(r.ts, r.values, 0, out.data, i * CLASSES))
  return w.take()
}

describe('DriftEvaluator', () => {
  it('merges windows below minCount with the following ones, and judges them as one', () => {
    const policy = resolvePolicy({ minCount: 30 })
    const e = new DriftEvaluator(reference, policy, MODEL, 0)
    const parts = [content(10, 1, 1), content(10, 2, 1), content(12, 3, 1)]
    expect(e.evaluate(parts[0]!, 1)).toEqual({ verdict: null, transitions: [], changed: false })
    expect(e.evaluate(parts[1]!, 2).verdict).toBeNull()
    expect(e.waiting).toBe(20)
    expect(e.state()).toMatchObject({ state: 'unknown', windows: 0 })

    const judged = e.evaluate(parts[2]!, 3).verdict!
    expect(judged).toMatchObject({ count: 32, judged: true })
    expect(e.waiting).toBe(0)
    // the same verdict as judging the exact merge of the three windows
    const direct = new DriftJudge(reference, policy).judge(mergeWindows(parts.map((p) => ({ model: MODEL, ...p }))))
    expect(judged.drifted).toEqual(direct.drifted)
    expect(judged.features.map((f) => f.ks)).toEqual(direct.features.map((f) => f.ks))
    expect(judged.drifted.length).toBeGreaterThan(0)
  })

  it('is unknown until a window is judged, ok while clean, drifting once an alert is raised, ok again after it clears', () => {
    const e = new DriftEvaluator(reference, resolvePolicy({ raiseAfter: 2, clearAfter: 2 }), MODEL, 100)
    expect(e.state()).toEqual({ state: 'unknown', features: [], kinds: [], windows: 0, since: 100 })

    expect(e.evaluate(content(100, 1), 200)).toMatchObject({ transitions: [], changed: true })
    expect(e.state()).toMatchObject({ state: 'ok', kinds: [], windows: 1, since: 200 })

    // the first drifted window does not raise yet (hysteresis), so nothing changes but the features
    expect(e.evaluate(content(100, 2, 2), 300)).toMatchObject({ transitions: [], changed: false })
    expect(e.state()).toMatchObject({ state: 'ok', since: 200, features: ['a', 'b', 'c', 'd'] })
    const raised = e.evaluate(content(100, 3, 2), 400)
    expect(raised.changed).toBe(true)
    expect(raised.transitions).toContainEqual({ kind: 'data-drift', transition: 'raised' })
    expect(e.state()).toMatchObject({ state: 'drifting', kinds: ['data-drift'], features: ['a', 'b', 'c', 'd'], windows: 3, since: 400 })

    expect(e.evaluate(content(100, 4), 500).changed).toBe(false)
    expect(e.state()).toMatchObject({ state: 'drifting', features: [], since: 400 })
    expect(e.evaluate(content(100, 5), 600)).toMatchObject({ transitions: [{ kind: 'data-drift', transition: 'cleared' }], changed: true })
    expect(e.state()).toMatchObject({ state: 'ok', kinds: [], windows: 5, since: 600 })
  })

  it('gives a status drift field the protocol accepts, naming at most 64 features', () => {
    const wide: ReferenceStatistics = { ...reference, features: Array.from({ length: 70 }, (_, j) => featureReference(`f${j}`, normals(2000, 500 + j))) }
    const e = new DriftEvaluator(wide, resolvePolicy({ resamples: 50, raiseAfter: 1 }), MODEL, 0)
    const w = new DriftWindow(wide.features, null)
    const row = new Float64Array(70)
    for (let i = 0; i < 60; i++) w.add(i, row.fill(5 + i / 60), 0)
    e.evaluate(w.take(), 1)
    expect(e.lastDriftedCount).toBe(70)
    const drift = e.state()
    expect(drift).toMatchObject({ state: 'drifting', kinds: ['data-drift'] })
    expect(drift.features).toHaveLength(64)
    const status = onlineStatus({ deviceId: 'pi-01', keepaliveS: 30, uptimeS: 1, queue: { depth: 0, dropped: 0 }, details: { drift } })
    expect(() => encodeChannel('status', status)).not.toThrow()
  })
})
