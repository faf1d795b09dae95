import { describe, expect, it } from 'vitest'
import { ROLLOUT_FORM_DEFAULTS, rolloutBody } from './rollout-form.ts'

describe('rollout form body', () => {
  it('sends the defaults as the CLI would write them and no shadow stage when Shadow is empty', () => {
    expect(rolloutBody({ model: 'gas-sensor@1.1.0', ...ROLLOUT_FORM_DEFAULTS })).toEqual({
      model: 'gas-sensor@1.1.0', target: 'all', waves: '10,50,100', soak: '5m',
    })
  })

  it('trims values and sends only the gates that were filled in', () => {
    const body = rolloutBody({
      ...ROLLOUT_FORM_DEFAULTS, model: ' gas-sensor@1.1.0 ', target: ' tag:site=lab ', shadow: '30m', maxErrorRate: ' 2% ', minShadowAgreement: '95%',
    })
    expect(body).toEqual({
      model: 'gas-sensor@1.1.0', target: 'tag:site=lab', waves: '10,50,100', soak: '5m', shadow: '30m', maxErrorRate: '2%', minShadowAgreement: '95%',
    })
  })

  it('falls back to target all when the field was cleared', () => {
    expect(rolloutBody({ ...ROLLOUT_FORM_DEFAULTS, model: 'm@1.0.0', target: '  ' }).target).toBe('all')
  })
})
