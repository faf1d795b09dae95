import { describe, expect, it } from 'vitest'
import { parseCsvText } from '../table/csv-table.ts'
import { classNames, detectTask, imputeMedians, prepareTable } from './prepare-table.ts'
import { regressionMetrics } from './regression-metrics.ts'

describe('detectTask', () => {
  it('reads text and few integers as classes, fractions and many integers as a regression target', () => {
    expect(detectTask(['ok', 'worn', ''])).toMatchObject({ task: 'classification' })
    expect(detectTask(['0', '1', '1', 'NA'])).toMatchObject({ task: 'classification', reason: expect.stringMatching(/2 distinct integers/) })
    expect(detectTask(['0.5', '1.25'])).toMatchObject({ task: 'regression' })
    expect(detectTask(Array.from({ length: 30 }, (_, i) => String(i)))).toMatchObject({ task: 'regression' })
  })
  it('orders numeric class names as numbers', () => {
    expect(classNames(['10', '2', '1', '2'])).toEqual(['1', '2', '10'])
    expect(classNames(['b', 'a'])).toEqual(['a', 'b'])
  })
})

describe('prepareTable', () => {
  const csv = 'id,t,h,state\n1,20,,ok\n2,31,40,hot\n3,22,41,\n4,25,44,ok\n'
  it('drops rows without a label, keeps missing features as NaN, and excludes columns', () => {
    const p = prepareTable(parseCsvText(csv, 'm.csv'), { label: 'state', exclude: ['id'] })
    expect(p).toMatchObject({ features: ['t', 'h'], task: 'classification', labels: ['hot', 'ok'], rows: 3, droppedNoLabel: 1 })
    expect(Array.from(p.y)).toEqual([1, 0, 1])
    expect(Number.isNaN(p.raw[1]!)).toBe(true)
  })
  it('refuses a text feature, a one-class label and text for a regressor', () => {
    expect(() => prepareTable(parseCsvText('k,x,y\na,1,0\nb,2,1\n', 'k.csv'), { label: 'y' })).toThrow(/column "k" holds text/)
    expect(() => prepareTable(parseCsvText('x,y\n1,a\n2,a\n', 'o.csv'), { label: 'y' })).toThrow(/one class only/)
    expect(() => prepareTable(parseCsvText('x,y\n1,a\n2,b\n', 'r.csv'), { label: 'y', task: 'regression' })).toThrow(/not a number: a regressor needs a numeric label/)
    expect(() => prepareTable(parseCsvText('x,y\n1,a\n2,b\n', 'r.csv'), { label: 'z' })).toThrow(/label column "z" is not a column/)
  })
})

describe('imputeMedians', () => {
  it('fills missing values with the training rows\' median only', () => {
    const raw = Float64Array.of(1, NaN, 3, 10, NaN, 20, 100, 30)
    const { filled, medians, imputed } = imputeMedians(raw, 2, [0, 1, 2])
    expect(medians).toEqual([2, 15])
    expect(imputed).toBe(2)
    expect(Array.from(filled)).toEqual([1, 15, 3, 10, 2, 20, 100, 30])
  })
})

describe('regressionMetrics', () => {
  it('computes RMSE, MAE and R²', () => {
    expect(regressionMetrics([1, 2, 3, 4], [1, 2, 3, 4])).toEqual({ rmse: 0, mae: 0, r2: 1 })
    const m = regressionMetrics([1, 2, 3, 4], [2, 2, 3, 3])
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.5), 12)
    expect(m.mae).toBeCloseTo(0.5, 12)
    expect(m.r2).toBeCloseTo(1 - 2 / 5, 12)
  })
})
