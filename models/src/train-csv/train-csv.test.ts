import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selfTestFailures } from '../build/onnx/check-self-test.ts'
import { CsvTrainError } from '../errors.ts'
import { readPackage } from '../package/read-package.ts'
import { makeTempDir } from '../package/test-fixture.ts'
import { mulberry32 } from '@edgefleet/protocol'
import { trainCsv, TRAIN_CSV_STEPS, type TrainCsvStep } from './train-csv.ts'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await makeTempDir('edgefleet-train-csv-'))
  // a machine log: the state follows a known rule, the power a known formula; a quoted header with a
  // comma, a text column to leave out, some missing values and rows without a label
  const random = mulberry32(11)
  const lines = ['machine,temperature,"humidity, %",vibration,state,power']
  for (let i = 0; i < 900; i++) {
    const t = 15 + random() * 30
    const h = 20 + random() * 60
    const v = random() * 5
    const state = t > 35 ? 'overheat' : v > 3.5 ? 'worn' : 'ok'
    const power = 2 * t + 0.5 * h + 10 * v
    lines.push([`"m-${i % 4}"`, t.toFixed(3), random() < 0.03 ? 'NA' : h.toFixed(3), v.toFixed(4), i % 150 === 7 ? '' : state, power.toFixed(4)].join(','))
  }
  await writeFile(join(dir, 'machines.csv'), `${lines.join('\n')}\n`)
})
afterAll(() => cleanup?.())

describe('trainCsv', () => {
  it('trains a classifier that learns the rule, and writes a package that passes its own self-test', async () => {
    const steps: TrainCsvStep[] = []
    const epochs: number[] = []
    const report = await trainCsv({
      csv: join(dir, 'machines.csv'), label: 'state', exclude: ['machine', 'power'], name: 'machine-state', outDir: join(dir, 'state'),
      onStep: (s) => steps.push(s), onProgress: (p) => p.stage === 'train' && epochs.push(p.done),
    })
    expect(steps).toEqual([...TRAIN_CSV_STEPS])
    expect(epochs.at(-1)).toBe(60)
    expect(report).toMatchObject({ task: 'classification', features: ['temperature', 'humidity, %', 'vibration'], labels: ['ok', 'overheat', 'worn'] })
    expect(report.rows).toMatchObject({ total: 900, droppedNoLabel: 6 })
    expect(report.rows.imputedValues).toBeGreaterThan(0)
    expect(report.metrics['holdoutAccuracy']).toBeGreaterThan(0.93)
    const pkg = await readPackage(report.dir)
    const m = pkg.manifest
    expect(m.inputs[0]).toMatchObject({ name: 'features', shape: ['batch', 3], preprocessing: { type: 'standardize' } })
    expect(m.outputs).toEqual([{ name: 'probabilities', dtype: 'float32', shape: ['batch', 3], role: 'probabilities', labels: ['ok', 'overheat', 'worn'] }])
    expect(m.reference.features.find((f) => f.name === 'humidity, %')!.missingRate).toBeGreaterThan(0)
    expect(m.reference.outputs.classDistribution).toHaveLength(3)
    expect(m.training.evaluations[0]).toMatchObject({ dataset: 'machines.csv/holdout', accuracy: report.metrics['holdoutAccuracy'] })
    expect(m.training.data).toMatch(/missing feature values filled with the training median \(temperature=.*humidity, %=/)
    expect(await selfTestFailures(m, await readFile(pkg.onnxPath))).toEqual([])
  })
  it('trains a regressor that predicts in the label\'s own units', async () => {
    const report = await trainCsv({ csv: join(dir, 'machines.csv'), label: 'power', exclude: ['machine', 'state'], name: 'machine-power', outDir: join(dir, 'power'), epochs: 80 })
    expect(report.task).toBe('regression')
    expect(report.metrics['holdoutR2']).toBeGreaterThan(0.98)
    expect(report.metrics['holdoutRmse']).toBeLessThan(3)
    const m = (await readPackage(report.dir)).manifest
    expect(m.outputs).toEqual([{ name: 'value', dtype: 'float32', shape: ['batch', 1], role: 'value' }])
    expect(m.postprocessing).toEqual({ type: 'regression' })
    // the self-test's expected values are predictions in watts, not standardised
    const expected = m.selfTest.vectors[0]!.expected['value']!
    expect(expected.kind === 'values' && expected.values[0]! > 30).toBe(true)
  })
  it('refuses a text column among the features, naming it', async () => {
    const err = await trainCsv({ csv: join(dir, 'machines.csv'), label: 'state', name: 'x', outDir: join(dir, 'x') }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CsvTrainError)
    expect(err).toMatchObject({ code: 'CSV_COLUMN_NOT_NUMERIC', step: 'prepare', message: expect.stringMatching(/column "machine" holds text/) })
  })
  it('refuses too few rows and bad options before training', async () => {
    await writeFile(join(dir, 'tiny.csv'), 'x,y\n1,a\n2,b\n3,a\n4,b\n')
    await expect(trainCsv({ csv: join(dir, 'tiny.csv'), label: 'y', name: 'tiny', outDir: join(dir, 'tiny') })).rejects.toMatchObject({ code: 'CSV_TOO_FEW_ROWS' })
    await expect(trainCsv({ csv: join(dir, 'tiny.csv'), label: 'y', name: 'Tiny', outDir: join(dir, 'tiny') })).rejects.toMatchObject({ code: 'CSV_OPTIONS_INVALID' })
  })
})
