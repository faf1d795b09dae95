import { describe, expect, it } from 'vitest'
import { usageMessage } from '../../test-support/policy-usage.ts'
import { DEFAULT_GATES, parseGateFlags, validateGates } from './gate-config.ts'

const usage = usageMessage

describe('DEFAULT_GATES', () => {
  it('are documented values, frozen', () => {
    expect(DEFAULT_GATES).toEqual({
      maxInstallFailureRate: 0.1,
      minDevicesExecuted: 1,
      maxInferenceErrorRate: 0.01,
      minInferenceRuns: 100,
      maxLatencyIncrease: 0.5,
      minLatencyIncreaseMs: 5,
      maxDriftAlerts: null,
      maxConfidenceDrop: 0.1,
      minShadowAgreement: null,
    })
    expect(Object.isFrozen(DEFAULT_GATES)).toBe(true)
    expect(validateGates(DEFAULT_GATES)).toEqual(DEFAULT_GATES)
  })
})

describe('parseGateFlags', () => {
  it('reads flags in flag form and in commander camelCase, over the defaults', () => {
    const gates = parseGateFlags({
      '--max-failure-rate': '20%',
      maxLatencyIncrease: '150%',
      'min-latency-increase-ms': '2ms',
      'min-shadow-agreement': '0.95',
      minExecuted: '3',
      maxDriftAlerts: '0',
      maxConfidenceDrop: 'off',
      maxErrorRate: '0.5%',
      minInferenceRuns: '1000',
    })
    expect(gates).toEqual({
      maxInstallFailureRate: 0.2,
      minDevicesExecuted: 3,
      maxInferenceErrorRate: 0.005,
      minInferenceRuns: 1000,
      maxLatencyIncrease: 1.5,
      minLatencyIncreaseMs: 2,
      maxDriftAlerts: 0,
      maxConfidenceDrop: null,
      minShadowAgreement: 0.95,
    })
  })

  it('ignores other options and undefined values', () => {
    expect(parseGateFlags({ model: 'm@1.0.0', target: 'all', maxFailureRate: undefined, json: true })).toEqual(DEFAULT_GATES)
  })

  it('names every bad flag and what to write', () => {
    const message = usage(() => parseGateFlags({ maxFailureRate: '10', minExecuted: 'three', minShadowAgreement: '120%', maxErrorRate: 'off' }))
    expect(message).toMatch(/--max-failure-rate: "10" is more than 1: write 10% \(or the fraction 0.1\)/)
    expect(message).toMatch(/--min-executed: "three" is not a count/)
    expect(message).toMatch(/--min-shadow-agreement: "120%" is more than 100%/)
    expect(message).toMatch(/--max-error-rate: this gate cannot be off; write 1% \(the default\)/)
  })

  it('reads the latency floor in ms and refuses what is not one', () => {
    expect(parseGateFlags({ minLatencyIncreaseMs: '0' }).minLatencyIncreaseMs).toBe(0)
    expect(parseGateFlags({ minLatencyIncreaseMs: '12.5' }).minLatencyIncreaseMs).toBe(12.5)
    expect(usage(() => parseGateFlags({ minLatencyIncreaseMs: 'fast' }))).toMatch(/--min-latency-increase-ms: "fast" is not a duration in ms/)
    expect(usage(() => parseGateFlags({ minLatencyIncreaseMs: 'off' }))).toMatch(/cannot be off; write 5ms/)
  })

  it('lets a latency increase exceed 100 % but not 1000 %', () => {
    expect(parseGateFlags({ maxLatencyIncrease: '300%' }).maxLatencyIncrease).toBe(3)
    expect(usage(() => parseGateFlags({ maxLatencyIncrease: '2000%' }))).toMatch(/more than 1000%/)
  })
})

describe('validateGates', () => {
  it('names every bad field', () => {
    const message = usage(() => validateGates({ ...DEFAULT_GATES, maxInstallFailureRate: 2, minDevicesExecuted: 1.5, maxDriftAlerts: -1 }))
    expect(message).toMatch(/maxInstallFailureRate is 2: write a fraction from 0 to 1/)
    expect(message).toMatch(/minDevicesExecuted is 1.5: write a whole number/)
    expect(message).toMatch(/maxDriftAlerts is -1: write a whole number of at least 0, or null for off/)
  })

  it('refuses null for gates that cannot be off', () => {
    expect(usage(() => validateGates({ ...DEFAULT_GATES, maxInstallFailureRate: null as unknown as number }))).toMatch(/maxInstallFailureRate is null/)
  })
})
