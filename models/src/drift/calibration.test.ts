import { describe, expect, it } from 'vitest'
import type { ReferenceStatistics } from '@edgefleet/protocol'
import { featureReference } from '../reference/feature-reference.ts'
import { outputReference } from '../reference/output-reference.ts'
import { ladderRung, ThresholdCalibrator } from './calibration.ts'
import { AlertTracker, DriftJudge } from './drift-judge.ts'
import { DriftWindow } from './drift-window.ts'
import { DEFAULT_DRIFT_POLICY } from './policy.ts'
import { normals } from './test-data.ts'

const F = 8
const N = 3000
/** A reference of F independent normal features and a 3-class classifier's outputs. */
function reference(): ReferenceStatistics {
  const probs: number[] = []
  for (let i = 0; i < N; i++) probs.push(...softmaxRow(i))
  return {
    sampleCount: N,
    source: 'test',
    features: Array.from({ length: F }, (_, j) => featureReference(`f${j}`, normals(N, 1000 + j))),
    outputs: outputReference(probs, 3),
  }
}

function softmaxRow(i: number, sharp = 4): number[] {
  const z = [Math.sin(i) * sharp, Math.cos(i * 1.7) * sharp, Math.sin(i * 0.3) * sharp]
  const m = Math.max(...z)
  const e = z.map((v) => Math.exp(v - m))
  const s = e.reduce((a, b) => a + b)
  return e.map((v) => v / s)
}

/** A window of `n` fresh samples: features normal (shifted by `shift` σ), outputs like the reference's or blurred. */
function window(n: number, seed: number, shift = 0, sharp = 4) {
  const w = new DriftWindow(reference().features, 3)
  const cols = Array.from({ length: F }, (_, j) => normals(n, seed * 100 + j, shift))
  for (let i = 0; i < n; i++) w.add(i, cols.map((c) => c[i]!), 0, softmaxRow(seed * 7919 + i, sharp))
  return w.take()
}

describe('thresholds calibrated by resampling the reference', () => {
  const ref = reference()
  const judge = new DriftJudge(ref, DEFAULT_DRIFT_POLICY)

  it('are wider for small windows than for large ones', () => {
    const c = new ThresholdCalibrator(ref, DEFAULT_DRIFT_POLICY)
    const small = c.at(50)
    const large = c.at(2000)
    expect(small.features[0]!.psi).toBeGreaterThan(large.features[0]!.psi * 5)
    expect(small.features[0]!.jensenShannon).toBeGreaterThan(large.features[0]!.jensenShannon * 2)
    // deterministic: the same reference and seed give the same thresholds anywhere
    expect(new ThresholdCalibrator(ref, DEFAULT_DRIFT_POLICY).at(50)).toEqual(small)
  })

  it('rarely flag clean windows (about 1 − quantile per feature), and hysteresis turns that into no alert', () => {
    let flagged = 0
    const windows = 200
    const tracker = new AlertTracker(DEFAULT_DRIFT_POLICY)
    const transitions = []
    for (let s = 0; s < windows; s++) {
      const v = judge.judge(window(100, s + 1))
      flagged += v.drifted.length
      transitions.push(...tracker.step(v))
    }
    expect(flagged / (windows * F)).toBeLessThan(0.02)
    expect(transitions).toEqual([])
  })

  it('flag shifted windows and blurred outputs', () => {
    const v = judge.judge(window(100, 999, 0.8, 1))
    expect(v.drifted.length).toBe(F)
    expect(v.dataDrift).toBe(true)
    expect(v.severity).toBe('critical')
    expect(v.confidence?.drifted).toBe(true)
  })

  it("in 'verdict' detail (an agent) reaches the same verdicts computing only the policy's statistic", () => {
    const lean = new DriftJudge(ref, DEFAULT_DRIFT_POLICY, 'verdict')
    for (const [seed, shift] of [[1, 0], [2, 0.4], [3, 1]] as const) {
      const w = window(100, seed, shift)
      const full = judge.judge(w)
      const v = lean.judge(w)
      expect(v.drifted).toEqual(full.drifted)
      expect(v.features.map((f) => f.ks)).toEqual(full.features.map((f) => f.ks))
      expect(v.features.every((f) => Number.isNaN(f.psi) && Number.isNaN(f.wasserstein))).toBe(true)
      expect(v.confidence?.drifted).toBe(full.confidence?.drifted)
    }
  })

  it('flags a feature with every value missing, whatever the metric', () => {
    const w = window(100, 4)
    w.features[2] = { ...w.features[2]!, count: 0, missing: 100, mean: 0, m2: 0, min: null, max: null, bins: w.features[2]!.bins.map(() => 0), ties: [] }
    expect(judge.judge(w).drifted).toEqual(['f2'])
    expect(new DriftJudge(ref, DEFAULT_DRIFT_POLICY, 'verdict').judge(w).drifted).toEqual(['f2'])
  })

  it('does not judge windows below minCount', () => {
    const v = judge.judge(window(10, 5, 3))
    expect(v.judged).toBe(false)
    expect(v.dataDrift).toBe(false)
  })

  it('rounds effective sizes down a geometric ladder', () => {
    expect(ladderRung(5)).toBe(5)
    expect(ladderRung(8)).toBe(8)
    expect(ladderRung(9.9)).toBe(8)
    expect(ladderRung(10)).toBe(10)
    expect(ladderRung(100)).toBeLessThanOrEqual(100)
    expect(ladderRung(100)).toBeGreaterThan(100 / 1.25)
  })
})
