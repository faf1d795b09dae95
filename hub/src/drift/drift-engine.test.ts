import { describe, expect, it } from 'vitest'
import { validators, type Alert, type DriftSummary } from '@edgefleet/protocol'
import { DEMO_MODEL as MODEL, demoReferences as references, demoSummary } from '../test-support/drift-fixtures.ts'
import { DriftEngine } from './drift-engine.ts'

let seq = 0
/** A window of `n` samples from `deviceId`, features f0–f2 shifted by `shift` σ. */
function summary(deviceId: string, n: number, shift: number, seed: number, model: DriftSummary['model'] = MODEL): DriftSummary {
  return { ...demoSummary({ deviceId, seq: ++seq, start: 1_000, n, shift, seed }), model }
}

function engine(open: Alert[] = [], policies?: ConstructorParameters<typeof DriftEngine>[0]['policies']) {
  const alerts: Alert[] = []
  const e = new DriftEngine({ references, alerts: { emit: async (a) => void alerts.push(a) }, policies })
  e.restore(open)
  return { e, alerts }
}

describe('DriftEngine', () => {
  it('stays quiet on clean windows, raises after k drifted windows naming the drifted features, clears after m clean ones', async () => {
    const { e, alerts } = engine()
    for (let s = 0; s < 20; s++) expect(await e.ingest(summary('pi-1', 100, 0, s))).toBe('judged')
    expect(alerts).toEqual([])
    await e.ingest(summary('pi-1', 100, 2, 100))
    expect(alerts).toEqual([])
    await e.ingest(summary('pi-1', 100, 2, 101))
    expect(alerts).toHaveLength(1)
    const raised = alerts[0]!
    expect(validators.alert.check(raised)).toBe(true)
    expect(raised).toMatchObject({ kind: 'data-drift', state: 'raised', scope: 'device', deviceId: 'pi-1', model: MODEL, window: { count: 100 } })
    const drifted = new Set(raised.signals.filter((s) => s.metric === 'ks').map((s) => s.feature))
    expect(drifted).toEqual(new Set(['f0', 'f1', 'f2']))
    for (const s of raised.signals.filter((x) => x.metric === 'ks')) expect(s.value).toBeGreaterThan(s.threshold)
    expect(raised.message).toContain('3 of 6 features drifted (ks)')
    await e.ingest(summary('pi-1', 100, 0, 102))
    await e.ingest(summary('pi-1', 100, 0, 103))
    expect(alerts.map((a) => a.state)).toEqual(['raised', 'cleared'])
    expect(alerts[1]!.id).not.toBe(raised.id)
  })

  it("applies the operator's per-model policy over the manifest's", async () => {
    // the manifest says raise after 2; the operator says after 1
    const { e, alerts } = engine([], { demo: { raiseAfter: 1 } })
    await e.ingest(summary('pi-5', 100, 2, 1))
    expect(alerts.map((a) => a.state)).toEqual(['raised'])
    expect(alerts[0]!.message).toContain('raised after 1 drifted window(s)')
  })

  it('merges windows below minCount before judging them', async () => {
    const { e } = engine()
    expect(await e.ingest(summary('pi-2', 10, 0, 1))).toBe('pending')
    expect(await e.ingest(summary('pi-2', 10, 0, 2))).toBe('pending')
    expect(await e.ingest(summary('pi-2', 10, 0, 3))).toBe('judged')
    const snap = (await e.snapshot()).find((s) => s.deviceId === 'pi-2')!
    expect(snap.window?.count).toBe(30)
  })

  it('judges the fleet on merged windows: small drifted windows from many devices add up to a fleet alert', async () => {
    const { e, alerts } = engine()
    for (let round = 0; round < 2; round++) {
      // 20 devices × 20 samples: each device window is too small to judge alone (minCount 30)
      for (let d = 0; d < 20; d++) await e.ingest(summary(`dev-${d}`, 20, 1.5, round * 100 + d))
      expect(await e.evaluateFleet()).toBe(1)
    }
    const fleet = alerts.filter((a) => a.scope === 'fleet')
    expect(fleet).toHaveLength(1)
    expect(fleet[0]).toMatchObject({ state: 'raised', kind: 'data-drift', window: { count: 400 } })
    expect(fleet[0]!.deviceId).toBeUndefined()
    // nothing new to judge: the fleet window was consumed
    expect(await e.evaluateFleet()).toBe(0)
  })

  it('after a restart, a still-raised alert is cleared rather than raised again', async () => {
    const before = engine()
    await before.e.ingest(summary('pi-3', 100, 2, 1))
    await before.e.ingest(summary('pi-3', 100, 2, 2))
    expect(before.alerts.map((a) => a.state)).toEqual(['raised'])
    const after = engine(before.alerts)
    await after.e.ingest(summary('pi-3', 100, 2, 3))
    await after.e.ingest(summary('pi-3', 100, 2, 4))
    expect(after.alerts).toEqual([])
    await after.e.ingest(summary('pi-3', 100, 0, 5))
    await after.e.ingest(summary('pi-3', 100, 0, 6))
    expect(after.alerts.map((a) => a.state)).toEqual(['cleared'])
  })

  it('does not merge a resent window twice', async () => {
    const { e } = engine()
    const w = summary('pi-6', 20, 0, 1)
    expect(await e.ingest(w)).toBe('pending')
    expect(await e.ingest(w)).toBe('duplicate')
    expect(await e.ingest(summary('pi-6', 20, 0, 2))).toBe('judged')
    const snap = (await e.snapshot()).find((s) => s.deviceId === 'pi-6')!
    expect(snap.window?.count).toBe(40)
  })

  it('counts windows of unknown model versions and of mismatching features instead of judging them', async () => {
    const { e, alerts } = engine()
    expect(await e.ingest(summary('pi-4', 100, 3, 1, { name: 'demo', version: '9.9.9' }))).toBe('no-reference')
    const s = summary('pi-4', 100, 3, 2)
    s.features = s.features.slice(1)
    expect(await e.ingest(s)).toBe('mismatch')
    expect(alerts).toEqual([])
  })
})
