import { describe, expect, it } from 'vitest'
import { expandColumns, looksLikeHeader, planColumns } from './csv-columns.ts'
import { splitCsvRecord } from './csv-source.ts'

const features = ['a', 'b', 'c']

describe('CSV column planning', () => {
  it('maps header names to feature order, with id and label columns', () => {
    const plan = planColumns(['id', 'c', 'label', 'a', 'b'], 5, features, { idColumn: 'id', labelColumn: 'label' }, 'f.csv')
    expect(Array.from(plan.featureColumns)).toEqual([3, 4, 1])
    expect(plan.idColumn).toBe(0)
    expect(plan.labelColumn).toBe(2)
  })
  it('expands * to the model features', () => {
    expect(expandColumns(['gas', 'ppm', '*'], features)).toEqual(['gas', 'ppm', 'a', 'b', 'c'])
  })
  it('takes a headerless file positionally only when it has exactly one column per feature', () => {
    expect(Array.from(planColumns(null, 3, features, {}, 'f.csv').featureColumns)).toEqual([0, 1, 2])
    expect(() => planColumns(null, 5, features, {}, 'f.csv')).toThrow(/--columns/)
  })
  it('names the missing features and unknown columns', () => {
    expect(() => planColumns(['a', 'x'], 2, features, {}, 'f.csv')).toThrow(/b, c/)
    expect(() => planColumns(['a', 'b', 'c'], 3, features, { labelColumn: 'gas' }, 'f.csv')).toThrow(/--label-column gas/)
  })
  it('detects headers', () => {
    expect(looksLikeHeader(['a', 'b', 'c'], features)).toBe(true)
    expect(looksLikeHeader(['x', 'y', 'z'], features)).toBe(true)
    expect(looksLikeHeader(['Ethanol', '10.0', '1.5', '2.5'], features)).toBe(false)
  })
})

describe('splitCsvRecord', () => {
  it('splits plain lines fast and quoted ones per RFC 4180', () => {
    expect(splitCsvRecord('1,2,3')).toEqual(['1', '2', '3'])
    expect(splitCsvRecord('"x, y",2,"say ""hi"""')).toEqual(['x, y', '2', 'say "hi"'])
  })
})
