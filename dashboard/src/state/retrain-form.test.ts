import { describe, expect, it } from 'vitest'
import { version } from '../test-fixtures.ts'
import { modelChoices, retrainBody } from './retrain-form.ts'

describe('retrain form', () => {
  it('offers each model with a registered version once, by name', () => {
    expect(modelChoices([version('gas-sensor', '1.0.0'), version('anomaly', '0.1.0'), version('gas-sensor', '1.1.0')])).toEqual(['anomaly', 'gas-sensor'])
    expect(modelChoices([])).toEqual([])
  })

  it('sends a reason only when one was typed', () => {
    expect(retrainBody('gas-sensor', '  ')).toEqual({ model: 'gas-sensor' })
    expect(retrainBody('gas-sensor', ' new lab batch ')).toEqual({ model: 'gas-sensor', reason: 'new lab batch' })
  })
})
