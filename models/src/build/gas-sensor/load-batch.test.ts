import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dataPaths, resolveDataDir } from '../../data/data-dir.ts'
import { ModelBuildError } from '../../errors.ts'
import { seededRng } from '../seeded-shuffle.ts'
import { GAS_LABELS, gasSensorFeatureNames, loadGasSensorBatch, parseGasSensorCsv } from './load-batch.ts'
import { standardization, stratifiedSplit } from './prepare.ts'

describe('gas-sensor data', () => {
  it('names the 128 features in dataset order', () => {
    const names = gasSensorFeatureNames()
    expect(names).toHaveLength(128)
    expect(names.slice(0, 9)).toEqual(['s01_dr', 's01_dr_norm', 's01_ema_i_001', 's01_ema_i_01', 's01_ema_i_1', 's01_ema_d_001', 's01_ema_d_01', 's01_ema_d_1', 's02_dr'])
    expect(names[127]).toBe('s16_ema_d_1')
    expect(new Set(names).size).toBe(128)
  })

  it('loads a real batch', () => {
    const batch = loadGasSensorBatch(join(dataPaths(resolveDataDir()).gasSensor, 'batch1.csv'))
    expect(batch.n).toBe(445)
    expect(batch.features).toHaveLength(445 * 128)
    expect(batch.labels[0]).toBe('Ethanol')
    expect(batch.concentration[0]).toBe(10)
    expect(batch.features[0]).toBeCloseTo(15596.1621, 2)
    expect(new Set(batch.labels).size).toBe(GAS_LABELS.length)
  })

  it('names the line of a malformed row', () => {
    const row = (gas: string) => [gas, '10', ...new Array(128).fill('1.5')].join(',')
    expect(() => parseGasSensorCsv(`${row('Ethanol')}\n${row('Helium')}\n`, 'x.csv')).toThrow(/x\.csv line 2: unknown gas "Helium"/)
    expect(() => parseGasSensorCsv('Ethanol,10,1,2\n', 'y.csv')).toThrow(ModelBuildError)
    expect(() => parseGasSensorCsv(row('Ethanol').replace(',1.5', ',abc'), 'z.csv')).toThrow(/"abc" is not a number/)
  })

  it('holds out the same share of every class, reproducibly', () => {
    const classes = Int32Array.from({ length: 1000 }, (_, i) => (i < 900 ? 0 : 1))
    const a = stratifiedSplit(classes, 0.2, seededRng(1))
    const b = stratifiedSplit(classes, 0.2, seededRng(1))
    expect(Array.from(a.holdout)).toEqual(Array.from(b.holdout))
    expect(a.holdout.filter((i) => classes[i] === 0).length).toBe(180)
    expect(a.holdout.filter((i) => classes[i] === 1).length).toBe(20)
    expect(a.train.length + a.holdout.length).toBe(1000)
  })

  it('standardises with std 1 for a constant feature', () => {
    const features = Float64Array.from([1, 5, 3, 5, 5, 5])
    const { mean, std } = standardization(features, 2, [0, 1, 2])
    expect(mean).toEqual([3, 5])
    expect(std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12)
    expect(std[1]).toBe(1)
  })
})
