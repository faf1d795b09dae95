import { describe, expect, it } from 'vitest'
import { usageMessage } from '../../test-support/policy-usage.ts'
import { DEFAULT_GATES } from './gate-config.ts'
import { createRollout, parseModelRef, parseRolloutFlags, ROLLOUT_DEFAULTS } from './rollout-spec.ts'

const T0 = 1_700_000_000_000
const base = { id: 'r-1', model: { name: 'detector', version: '2.0.0' }, target: { kind: 'all' } as const }

const usage = usageMessage

describe('createRollout', () => {
  it('fills in the documented defaults and starts rolling at wave 0 with nothing assigned', () => {
    const r = createRollout(base, T0)
    expect(r).toMatchObject({
      waves: [1, 10, 50, 100],
      soakMs: 5 * 60_000,
      waveTimeoutMs: 30 * 60_000,
      minDevicesPerWave: 1,
      gates: DEFAULT_GATES,
      shadow: null,
      state: 'rolling',
      wave: 0,
      waveStartedAt: T0,
      soakStartedAt: null,
      paused: null,
      reason: null,
      previousVersion: null,
      assignments: {},
      createdAt: T0,
    })
    expect(r.history).toEqual([{ at: T0, event: 'created', message: 'rollout of detector@2.0.0 to all in waves 1,10,50,100 %' }])
    expect(ROLLOUT_DEFAULTS.waves).toEqual(r.waves)
    expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  })

  it('starts with the shadow stage when asked, on the first wave by default', () => {
    const r = createRollout({ ...base, waves: [5, 100], shadow: { soakMs: 600_000 }, gates: { minShadowAgreement: 0.95 } }, T0)
    expect(r).toMatchObject({ state: 'shadow', shadow: { soakMs: 600_000, percent: 5 }, gates: { ...DEFAULT_GATES, minShadowAgreement: 0.95 } })
  })

  it('reports every problem at once', () => {
    const message = usage(() =>
      createRollout({ ...base, model: { name: 'Detector', version: '2' }, waves: [50, 10], soakMs: -1, waveTimeoutMs: 0, gates: { maxInstallFailureRate: 3, minShadowAgreement: 0.9 } }, T0),
    )
    expect(message).toMatch(/model name "Detector"/)
    expect(message).toMatch(/model version "2": write MAJOR.MINOR.PATCH/)
    expect(message).toMatch(/10 after 50/)
    expect(message).toMatch(/maxInstallFailureRate is 3/)
    expect(message).toMatch(/soakMs is -1 ms/)
    expect(message).toMatch(/waveTimeoutMs is 0/)
    expect(message).toMatch(/a shadow agreement gate needs a shadow stage: add --shadow <soak>/)
  })

  it('refuses a bad shadow share', () => {
    expect(usage(() => createRollout({ ...base, shadow: { soakMs: 1000, percent: 0 } }, T0))).toMatch(/shadow percent is 0/)
  })
})

describe('parseModelRef', () => {
  it('reads name@version', () => {
    expect(parseModelRef('anomaly-detector@1.4.0')).toEqual({ name: 'anomaly-detector', version: '1.4.0' })
    expect(parseModelRef('m@1.0.0-rc.1')).toEqual({ name: 'm', version: '1.0.0-rc.1' })
    expect(usage(() => parseModelRef('anomaly-detector'))).toMatch(/write name@version, e.g. anomaly-detector@1.4.0/)
    expect(usage(() => parseModelRef('x@latest'))).toMatch(/write name@version/)
  })
})

describe('parseRolloutFlags', () => {
  it('reads the flags of `edgefleet rollout create`', () => {
    const spec = parseRolloutFlags('r-7', {
      model: 'detector@2.0.0',
      target: 'tag:site=berlin',
      waves: '1,10,50,100',
      soak: '5m',
      waveTimeout: '1h',
      minPerWave: '2',
      shadow: '30m',
      shadowPercent: '20%',
      maxFailureRate: '5%',
      minShadowAgreement: '95%',
      json: true,
    })
    expect(spec).toEqual({
      id: 'r-7',
      model: { name: 'detector', version: '2.0.0' },
      target: { kind: 'tags', tags: { site: 'berlin' } },
      waves: [1, 10, 50, 100],
      soakMs: 300_000,
      waveTimeoutMs: 3_600_000,
      minDevicesPerWave: 2,
      shadow: { soakMs: 1_800_000, percent: 20 },
      gates: { ...DEFAULT_GATES, maxInstallFailureRate: 0.05, minShadowAgreement: 0.95 },
    })
    expect(createRollout(spec, T0).state).toBe('shadow')
  })

  it('leaves out what was not given, so that createRollout applies the defaults', () => {
    expect(parseRolloutFlags('r', { model: 'm@1.0.0', target: 'all' })).toEqual({ id: 'r', model: { name: 'm', version: '1.0.0' }, target: { kind: 'all' }, gates: DEFAULT_GATES })
  })

  it('names every bad flag', () => {
    const message = usage(() => parseRolloutFlags('r', { model: 'm', target: 'tags:x=1', waves: '1,2', soak: '5', shadowPercent: '10%', maxFailureRate: 'lots', minPerWave: '-1' }))
    expect(message).toMatch(/^edgefleet rollout create:\n- /)
    expect(message).toMatch(/--model "m"/)
    expect(message).toMatch(/unknown form "tags:"/)
    expect(message).toMatch(/the last wave is 2/)
    expect(message).toMatch(/--soak: "5" is not a duration/)
    expect(message).toMatch(/--shadow-percent needs --shadow <soak>/)
    expect(message).toMatch(/--max-failure-rate: "lots" is not a percentage/)
    expect(message).toMatch(/--min-per-wave "-1"/)
  })
})
