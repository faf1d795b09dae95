import { describe, expect, it } from 'vitest'
import { DEFAULT_GATES, type GateConfig } from './gate-config.ts'
import { evaluateGates, nearestRank, type DeviceObservation, type GateName, type GateReport } from './gates.ts'

const gates = (over: Partial<GateConfig> = {}): GateConfig => ({ ...DEFAULT_GATES, ...over })

function obs(id: string, state: DeviceObservation['state'], over: Partial<DeviceObservation> = {}): DeviceObservation {
  return { id, state, inferenceRuns: 0, inferenceErrors: 0, ...over }
}

function fleet(n: number, state: DeviceObservation['state'], over: Partial<DeviceObservation> = {}): DeviceObservation[] {
  return Array.from({ length: n }, (_, i) => obs(`${state}-${i}`, state, over))
}

function result(report: GateReport, gate: GateName) {
  const r = report.results.find((x) => x.gate === gate)
  if (!r) throw new Error(`no ${gate} result in ${JSON.stringify(report)}`)
  return r
}

describe('nearestRank', () => {
  it('is the ⌈p·n⌉-th smallest value', () => {
    expect(nearestRank([], 0.95)).toBeNull()
    expect(nearestRank([7], 0.95)).toBe(7)
    expect(nearestRank([5, 1, 3], 0.95)).toBe(5)
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(nearestRank(hundred, 0.95)).toBe(95)
    expect(nearestRank(hundred, 0.5)).toBe(50)
    expect(nearestRank(Array.from({ length: 20 }, (_, i) => i + 1), 0.95)).toBe(19)
    expect(nearestRank(Array.from({ length: 19 }, (_, i) => i + 1), 0.95)).toBe(19)
  })
})

describe('evaluateGates: install failures and minDevicesExecuted', () => {
  it('passes when failures are at or under the threshold', () => {
    const report = evaluateGates(gates(), [...fleet(9, 'active'), ...fleet(1, 'failed')])
    expect(report).toMatchObject({ passed: true, decided: true, executed: 10 })
    expect(result(report, 'install-failure-rate')).toMatchObject({ passed: true, value: 0.1, threshold: 0.1, message: 'install failures 1/10 = 10% ≤ 10%' })
  })

  it('fails over the threshold, with a message people read and the failing steps', () => {
    const failed = fleet(3, 'failed', { failure: { step: 'verify-signature', code: 'AGENT_SIGNATURE_INVALID' } })
    const report = evaluateGates(gates(), [...fleet(7, 'active'), ...failed])
    expect(report.passed).toBe(false)
    expect(report.decided).toBe(true)
    expect(result(report, 'install-failure-rate').message).toBe('install failures 3/10 = 30% > 10% (verify-signature AGENT_SIGNATURE_INVALID ×3)')
  })

  it('counts rolled-back devices as failures and ignores pending, installing and offline devices', () => {
    const report = evaluateGates(gates({ maxInstallFailureRate: 0.5 }), [
      obs('a', 'active'),
      obs('b', 'rolled-back', { failure: { step: 'self-test', code: 'MODEL_SELF_TEST_FAILED' } }),
      obs('c', 'pending'),
      obs('d', 'installing'),
      obs('e', 'offline'),
    ])
    expect(report.executed).toBe(2)
    expect(result(report, 'install-failure-rate')).toMatchObject({ passed: true, value: 0.5 })
  })

  it('is not decided below minDevicesExecuted, but still reports the failure', () => {
    const report = evaluateGates(gates({ minDevicesExecuted: 3 }), [obs('a', 'failed'), obs('b', 'active'), obs('c', 'installing')])
    expect(report).toMatchObject({ passed: false, decided: false, executed: 2 })
  })

  it('with nothing executed: passes, not judged, not decided', () => {
    const report = evaluateGates(gates(), [obs('a', 'pending')])
    expect(report).toMatchObject({ passed: true, decided: false, executed: 0 })
    expect(result(report, 'install-failure-rate')).toMatchObject({ judged: false, value: null })
  })
})

describe('evaluateGates: inference errors', () => {
  it('passes at or under the rate and fails over it', () => {
    const ok = evaluateGates(gates(), fleet(2, 'active', { inferenceRuns: 500, inferenceErrors: 5 }))
    expect(result(ok, 'inference-error-rate')).toMatchObject({ passed: true, value: 0.01, message: 'inference errors 10/1000 = 1% ≤ 1%' })
    const bad = evaluateGates(gates(), fleet(2, 'active', { inferenceRuns: 500, inferenceErrors: 6 }))
    expect(result(bad, 'inference-error-rate')).toMatchObject({ passed: false, message: 'inference errors 12/1000 = 1.2% > 1%' })
    expect(bad.passed).toBe(false)
  })

  it('is not judged before minInferenceRuns runs', () => {
    const report = evaluateGates(gates(), [obs('a', 'active', { inferenceRuns: 99, inferenceErrors: 99 })])
    expect(result(report, 'inference-error-rate')).toMatchObject({ passed: true, judged: false, message: 'inference errors: 99 of 100 runs needed to judge' })
  })

  it('counts only active devices', () => {
    const report = evaluateGates(gates({ maxInstallFailureRate: 1 }), [obs('a', 'active', { inferenceRuns: 100 }), obs('b', 'failed', { inferenceRuns: 100, inferenceErrors: 100 })])
    expect(result(report, 'inference-error-rate')).toMatchObject({ passed: true, value: 0 })
  })
})

describe('evaluateGates: latency p95', () => {
  const lat = (id: string, before: number, after: number) => obs(id, 'active', { latencyP95BeforeMs: before, latencyP95AfterMs: after })

  it('compares p95 after against p95 before of the same devices', () => {
    const devices = Array.from({ length: 20 }, (_, i) => lat(`d${i}`, 10 + i, 14 + i))
    const report = evaluateGates(gates(), devices)
    // nearest rank over 20 values: the 19th; before 28, after 32
    expect(result(report, 'latency-p95')).toMatchObject({ passed: true, judged: true })
    expect(result(report, 'latency-p95').value).toBeCloseTo(32 / 28 - 1)
    expect(result(report, 'latency-p95').message).toBe('latency p95 32 ms vs 28 ms before (+14.29%, 20 devices) ≤ 42 ms (+50% or +5 ms)')
  })

  it('fails when p95 after exceeds p95 before × (1 + maxLatencyIncrease)', () => {
    const report = evaluateGates(gates(), [lat('a', 10, 12), lat('b', 20, 31)])
    expect(result(report, 'latency-p95')).toMatchObject({ passed: false, message: 'latency p95 31 ms vs 20 ms before (+55%, 2 devices) > 30 ms (+50% or +5 ms)' })
  })

  it('ignores devices that do not report both values, and is not judged without any', () => {
    const report = evaluateGates(gates(), [lat('a', 10, 11), obs('b', 'active', { latencyP95AfterMs: 1000 }), obs('c', 'active', { latencyP95BeforeMs: 1 })])
    expect(result(report, 'latency-p95').passed).toBe(true)
    expect(result(report, 'latency-p95').value).toBeCloseTo(0.1)
    const none = evaluateGates(gates(), [obs('b', 'active', { latencyP95AfterMs: 1000 })])
    expect(result(none, 'latency-p95')).toMatchObject({ passed: true, judged: false })
  })

  it('can be switched off', () => {
    const report = evaluateGates(gates({ maxLatencyIncrease: null }), [lat('a', 1, 100)])
    expect(report.results.map((r) => r.gate)).not.toContain('latency-p95')
  })

  it('tolerates a jump of a few ms however large in percent: a sub-ms model\'s p95 moves by whole ms with a GC pause', () => {
    expect(result(evaluateGates(gates(), [lat('a', 0.4, 4.4)]), 'latency-p95')).toMatchObject({ passed: true, message: 'latency p95 4.4 ms vs 0.4 ms before (+1000%, 1 devices) ≤ 5.4 ms (+50% or +5 ms)' })
    expect(result(evaluateGates(gates(), [lat('a', 0.4, 5.5)]), 'latency-p95').passed).toBe(false)
    expect(result(evaluateGates(gates({ minLatencyIncreaseMs: 0 }), [lat('a', 0.4, 4.4)]), 'latency-p95').passed).toBe(false)
  })

  it('is left out when off, whatever the floor', () => {
    const report = evaluateGates(gates({ maxLatencyIncrease: null, minLatencyIncreaseMs: 0 }), [lat('a', 1, 100)])
    expect(report.results.map((r) => r.gate)).not.toContain('latency-p95')
    expect(report.passed).toBe(true)
  })
})

describe('evaluateGates: drift and confidence', () => {
  it('drift alerts are off by default and judged when set', () => {
    const devices = [obs('a', 'active', { driftAlerts: 2 }), obs('b', 'active', { driftAlerts: 0 })]
    expect(evaluateGates(gates(), devices).results.map((r) => r.gate)).not.toContain('drift-alerts')
    expect(result(evaluateGates(gates({ maxDriftAlerts: 2 }), devices, {}), 'drift-alerts')).toMatchObject({ passed: true, message: 'drift alerts 2 on 1 devices ≤ 2' })
    expect(result(evaluateGates(gates({ maxDriftAlerts: 1 }), devices), 'drift-alerts')).toMatchObject({ passed: false, value: 2 })
  })

  it('confidence drop: mean before minus mean after', () => {
    const devices = [obs('a', 'active', { confidenceBefore: 0.9, confidenceAfter: 0.85 }), obs('b', 'active', { confidenceBefore: 0.8, confidenceAfter: 0.75 })]
    const ok = result(evaluateGates(gates(), devices), 'confidence-drop')
    expect(ok.passed).toBe(true)
    expect(ok.value).toBeCloseTo(0.05)
    expect(ok.message).toBe('mean confidence 80% vs 85% baseline (2 devices): drop 5% ≤ 10%')
    const bad = result(evaluateGates(gates({ maxConfidenceDrop: 0.04 }), devices), 'confidence-drop')
    expect(bad.passed).toBe(false)
    const rise = result(evaluateGates(gates(), [obs('a', 'active', { confidenceBefore: 0.5, confidenceAfter: 0.9 })]), 'confidence-drop')
    expect(rise.passed).toBe(true)
    expect(result(evaluateGates(gates(), [obs('a', 'active')]), 'confidence-drop').judged).toBe(false)
  })
})

describe('evaluateGates: shadow stage', () => {
  const sh = (id: string, samples: number, agreement: number, latencyP95Ms?: number) =>
    obs(id, 'active', { shadow: { samples, agreement, ...(latencyP95Ms !== undefined ? { latencyP95Ms } : {}) }, latencyP95BeforeMs: 10 })

  it('weights agreement by samples', () => {
    const report = evaluateGates(gates({ minShadowAgreement: 0.95 }), [sh('a', 900, 0.99), sh('b', 100, 0.6)], { stage: 'shadow' })
    // (891 + 60) / 1000 = 95.1 %
    expect(result(report, 'shadow-agreement')).toMatchObject({ passed: true, message: 'shadow agreement 95.1% over 1000 samples on 2 devices ≥ 95%' })
    const bad = evaluateGates(gates({ minShadowAgreement: 0.96 }), [sh('a', 900, 0.99), sh('b', 100, 0.6)], { stage: 'shadow' })
    expect(bad.passed).toBe(false)
  })

  it('without samples: not judged during the stage, failed at its end', () => {
    const devices = [obs('a', 'active', { shadow: { samples: 0 } })]
    expect(result(evaluateGates(gates({ minShadowAgreement: 0.9 }), devices, { stage: 'shadow' }), 'shadow-agreement')).toMatchObject({ passed: true, judged: false })
    const end = result(evaluateGates(gates({ minShadowAgreement: 0.9 }), devices, { stage: 'shadow', final: true }), 'shadow-agreement')
    expect(end.passed).toBe(false)
    expect(end.message).toMatch(/no device reported any.*check that the devices run the shadow/)
  })

  it("judges the shadow's latency against the active model's, shadow loads as installs, and skips serving gates", () => {
    const report = evaluateGates(gates(), [sh('a', 10, 1, 20), obs('b', 'failed', { inferenceRuns: 1000, inferenceErrors: 1000 })], { stage: 'shadow' })
    expect(report.results.map((r) => r.gate).sort()).toEqual(['install-failure-rate', 'latency-p95'])
    expect(result(report, 'latency-p95')).toMatchObject({ passed: false, message: 'shadow latency p95 20 ms vs 10 ms before (+100%, 1 devices) > 15 ms (+50% or +5 ms)' })
    expect(result(report, 'install-failure-rate').message).toBe('shadow load failures 1/2 = 50% > 10%')
  })

  it('does not judge agreement in waves', () => {
    const report = evaluateGates(gates({ minShadowAgreement: 0.99 }), [sh('a', 10, 0.1)])
    expect(report.results.map((r) => r.gate)).not.toContain('shadow-agreement')
  })
})
