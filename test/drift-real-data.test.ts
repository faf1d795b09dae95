import { beforeAll, describe, expect, it } from 'vitest'
import type { Alert, DriftSummary, Manifest } from '@edgefleet/protocol'
import { DriftJudge, DriftWindow, exactHistogram, exactKs, manifestPolicy, psi, referenceHistogram, resolvePolicy } from '@edgefleet/models/drift'
import { DriftEngine } from '@edgefleet/hub'
import { readPackage, shippedPackageDir } from '@edgefleet/models'
import { gasBatch, gasTrainAndHoldout, rowColumn as columnOf, rowWindows as windowsOf, shuffledRows as shuffled, type GasRows } from '@edgefleet/models/build'

const WINDOW = 100
const LATER_BATCHES = [3, 4, 5, 6, 8, 9]

let manifest: Manifest
let train: GasRows
let holdout: GasRows

beforeAll(async () => {
  manifest = (await readPackage(shippedPackageDir('gas-sensor'))).manifest
  ;({ train, holdout } = gasTrainAndHoldout())
})

function summarise(rows: GasRows, seq: number): DriftSummary {
  const w = new DriftWindow(manifest.reference.features, null)
  for (let r = 0; r < rows.n; r++) w.add(1_700_000_000_000 + r, rows.features, r * 128)
  return { v: 1, deviceId: 'replay', seq, ts: 1_700_000_000_000, model: { name: manifest.name, version: manifest.version }, ...w.take() }
}

function engine(): { e: DriftEngine; alerts: Alert[] } {
  const alerts: Alert[] = []
  const e = new DriftEngine({
    references: { get: async () => ({ name: manifest.name, version: manifest.version, reference: manifest.reference, drift: manifest.drift }) },
    alerts: { emit: async (a) => void alerts.push(a) },
  })
  return { e, alerts }
}

describe('drift on the real gas-sensor data (model trained on batches 1-2)', () => {
  it('device summaries give the verdicts of exact full-data tests: PSI with the same edges, exact two-sample KS', () => {
    const judge = new DriftJudge(manifest.reference, resolvePolicy(manifestPolicy(manifest.drift)))
    const trainColumns = manifest.reference.features.map((_, j) => columnOf(train, j))
    const windows = [...windowsOf(shuffled(holdout, 1), WINDOW), ...LATER_BATCHES.flatMap((b) => windowsOf(shuffled(gasBatch(b), b), WINDOW))]
    let verdicts = 0
    let psiAgree = 0
    let ksAgree = 0
    let maxDeltaD = 0
    let boundViolations = 0
    windows.forEach((rows, i) => {
      const v = judge.judge(summarise(rows, i))
      v.features.forEach((f, j) => {
        const values = columnOf(rows, j)
        const ref = manifest.reference.features[j]!
        const refHist = referenceHistogram(ref)
        const exactPsi = psi(exactHistogram(values, ref.edges), refHist)
        const exactD = exactKs(values, trainColumns[j]!)
        verdicts++
        if ((exactPsi > f.thresholds.psi) === (f.psi > f.thresholds.psi)) psiAgree++
        if ((exactD > f.thresholds.ks) === (f.ks > f.thresholds.ks)) ksAgree++
        maxDeltaD = Math.max(maxDeltaD, Math.abs(exactD - f.ks))
        // the documented bound: D_edges ≤ D_exact ≤ D_edges + the largest interior bin mass (window's or reference's)
        const k = ref.edges.length - 1
        const bound = Math.max(...ref.proportions.slice(1, k + 1), ...exactHistogram(values, ref.edges).slice(2, k + 2))
        if (f.ksEdges > exactD + 1e-12 || exactD - f.ksEdges > bound + 1e-12) boundViolations++
      })
    })
    expect(verdicts).toBe(windows.length * 128)
    expect(windows.length).toBeGreaterThan(40)
    // PSI from the summary is PSI of the raw values: binning is exact
    expect(psiAgree).toBe(verdicts)
    expect(ksAgree / verdicts).toBeGreaterThanOrEqual(0.99)
    expect(boundViolations).toBe(0)
    // the estimate is the midpoint of that interval: within about one reference bin (1/64) of the exact value
    expect(maxDeltaD).toBeLessThanOrEqual(1 / 64 + 0.005)
  })

  it('replaying held-out samples of batches 1-2 raises no alert', async () => {
    const { e, alerts } = engine()
    let judged = 0
    // 30 shuffled passes over the 338 held-out rows: 90 windows of 100
    for (let pass = 0; pass < 30; pass++) {
      for (const rows of windowsOf(shuffled(holdout, 1000 + pass), WINDOW)) {
        if ((await e.ingest(summarise(rows, judged))) === 'judged') judged++
      }
    }
    expect(judged).toBe(90)
    expect(alerts).toEqual([])
  })

  it.each(LATER_BATCHES)('replaying batch %i (sensors aged for months) raises a data-drift alert naming drifted features', async (batch) => {
    const { e, alerts } = engine()
    const policy = resolvePolicy(manifestPolicy(manifest.drift))
    // a sensor keeps reporting: replay the batch in fresh shuffles until the alert (batch 4 has 161 rows)
    let windows = 0
    for (let pass = 0; pass < 10 && alerts.length === 0; pass++) {
      for (const rows of windowsOf(shuffled(gasBatch(batch), batch * 100 + pass), WINDOW)) {
        await e.ingest(summarise(rows, windows++))
        if (alerts.length > 0) break
      }
    }
    const raised = alerts.find((a) => a.kind === 'data-drift' && a.state === 'raised')
    expect(raised, `no alert after ${windows} windows of batch ${batch}`).toBeDefined()
    // raised as soon as hysteresis allows: the first raiseAfter windows already drift
    expect(windows).toBe(policy.raiseAfter)
    expect(raised!.window.count).toBe(WINDOW)
    const features = raised!.signals.filter((s) => s.metric === policy.metric)
    expect(features.length).toBeGreaterThanOrEqual(Math.ceil(policy.driftShare * 128))
    for (const s of features) {
      expect(manifest.reference.features.map((f) => f.name)).toContain(s.feature)
      expect(s.value).toBeGreaterThan(s.threshold)
    }
    expect(raised!.message).toMatch(/\d+ of 128 features drifted/)
  })
})
