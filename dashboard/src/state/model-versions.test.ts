import { describe, expect, it } from 'vitest'
import { version } from '../test-fixtures.ts'
import { applyModelEvents, compareVersions, groupByModel, headlineMetrics, versionChoices } from './model-versions.ts'

describe('model versions', () => {
  it('orders semantic versions numerically, a pre-release before its release', () => {
    const sorted = ['1.10.0', '1.2.0', '1.2.0-rc.1', '0.9.9', '1.2.0-rc.10'].sort(compareVersions)
    expect(sorted).toEqual(['0.9.9', '1.2.0-rc.1', '1.2.0-rc.10', '1.2.0', '1.10.0'])
  })

  it('groups versions per model, newest first, and offers name@version choices in that order', () => {
    const versions = [version('gas-sensor', '1.0.0'), version('ultraface', '1.0.0'), version('gas-sensor', '1.10.0'), version('gas-sensor', '1.2.0')]
    expect(groupByModel(versions).map((g) => [g.name, g.versions.map((v) => v.version)])).toEqual([
      ['gas-sensor', ['1.10.0', '1.2.0', '1.0.0']],
      ['ultraface', ['1.0.0']],
    ])
    expect(versionChoices(versions)).toEqual(['gas-sensor@1.10.0', 'gas-sensor@1.2.0', 'gas-sensor@1.0.0', 'ultraface@1.0.0'])
  })

  it('adds a version announced by a model event once', () => {
    const list = { versions: [version('gas-sensor', '1.0.0')] }
    const event = { type: 'model', body: { version: version('gas-sensor', '1.1.0') } } as const
    const next = applyModelEvents(applyModelEvents(list, [event]), [event])
    expect(next.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0'])
  })

  it('takes holdout accuracy and macro-F1 as headline metrics, not training accuracy', () => {
    const metrics = { trainAccuracy: 0.99, holdoutAccuracy: 0.93, holdoutMacroF1: 0.91, epochs: 40 }
    expect(headlineMetrics({ metrics, evaluations: [] })).toEqual({ accuracy: 0.93, macroF1: 0.91 })
    expect(headlineMetrics({ metrics: { accuracy: 0.8 }, evaluations: [] })).toEqual({ accuracy: 0.8, macroF1: null })
    expect(headlineMetrics({ metrics: {}, evaluations: [{ accuracy: 0.7, macroF1: 0.6 }] })).toEqual({ accuracy: 0.7, macroF1: 0.6 })
    expect(headlineMetrics({ metrics: {}, evaluations: [] })).toEqual({ accuracy: null, macroF1: null })
  })
})
