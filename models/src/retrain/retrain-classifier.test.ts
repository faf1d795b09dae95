import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selfTestFailures } from '../build/onnx/check-self-test.ts'
import { readPackage, verifyPackageDigest } from '../package/read-package.ts'
import type { ModelPackage } from '../package/model-package.ts'
import { shippedPackageDir } from '../package/shipped.ts'
import { makeTempDir } from '../package/test-fixture.ts'
import { evaluateClassifier } from './evaluate-classifier.ts'
import { gasSensorBatchRows, gasSensorReference } from './gas-sensor-rows.ts'
import { retrainClassifier } from './retrain-classifier.ts'
import { RetrainError } from '../errors.ts'
import type { LabelledRow, RetrainProgress, RetrainResult } from './retrain-types.ts'

// Batch 8 is the most drifted later batch (the shipped model gets 24 % of it right). Its rows in file
// order are the device stream, ts = row number; the CSV is grouped by gas, so the newest 20 % are
// mostly Ethanol and Ethylene, which the older 80 % hardly contain.
const BATCH = 8
const EPOCHS = 20

let tmp: { dir: string; cleanup: () => Promise<void> }
let labelled: LabelledRow[]
let reference: ReturnType<typeof gasSensorReference>
let result: RetrainResult
let candidate: ModelPackage
const progress: RetrainProgress[] = []

beforeAll(async () => {
  tmp = await makeTempDir()
  labelled = gasSensorBatchRows(BATCH)
  reference = gasSensorReference()
  result = await retrainClassifier({
    parent: shippedPackageDir('gas-sensor'),
    labelled,
    reference,
    snapshot: { name: `gas-sensor batch${BATCH}.csv` },
    outDir: join(tmp.dir, 'candidate'),
    epochs: EPOCHS,
    onProgress: (p) => progress.push(p),
  })
  candidate = await readPackage(result.dir)
})
afterAll(() => tmp?.cleanup())

describe(`retrainClassifier on gas-sensor batch ${BATCH}`, () => {
  it('writes a package that loads, passes its self-test, and names 1.0.0 as its parent', async () => {
    await verifyPackageDigest(candidate)
    expect(await selfTestFailures(candidate.manifest, new Uint8Array(await readFile(candidate.onnxPath)))).toEqual([])
    expect(candidate.manifest).toMatchObject({ name: 'gas-sensor', version: '1.1.0', training: { parent: { name: 'gas-sensor', version: '1.0.0' }, seed: 42 } })
    expect(result).toMatchObject({ version: '1.1.0', parentVersion: '1.0.0', sha256: candidate.manifest.model.sha256 })
    expect(candidate.manifest.training.data).toMatch(new RegExp(`batch${BATCH}\\.csv`))
    expect(candidate.manifest.training.metrics).toMatchObject({ epochs: EPOCHS, holdoutRows: result.split.holdout.length })
    expect(candidate.manifest.signature).toBeUndefined()
    expect(progress.map((p) => p.stage).filter((s, i, all) => s !== all[i - 1])).toEqual(['prepare', 'train', 'export', 'evaluate', 'reference', 'write'])
  })

  it('beats 1.0.0 on the newest 20 % of the batch, and the gate gets the same figures from evaluateClassifier', async ({ annotate }) => {
    const { candidate: mine, parent } = result.evaluations
    await annotate(`holdout ${mine.rows} rows: 1.0.0 ${parent.accuracy.toFixed(4)}, 1.1.0 ${mine.accuracy.toFixed(4)} (${(result.durationMs / 1000).toFixed(1)} s)`)
    expect(mine.accuracy).toBeGreaterThan(parent.accuracy)
    const holdoutRows = result.split.holdout.map((i) => labelled[i]!)
    expect(await evaluateClassifier(result.dir, holdoutRows)).toEqual(mine)
    expect(await evaluateClassifier(shippedPackageDir('gas-sensor'), holdoutRows)).toEqual(parent)
  })

  it('never trains on the holdout: the newest rows by ts, disjoint from the training mix', () => {
    const { training, holdout, dropped } = result.split
    expect(holdout).toHaveLength(Math.round(labelled.length * 0.2))
    expect(training.length + holdout.length + dropped.length).toBe(labelled.length)
    expect(training.filter((i) => holdout.includes(i))).toEqual([])
    expect(Math.max(...training.map((i) => labelled[i]!.ts))).toBeLessThan(Math.min(...holdout.map((i) => labelled[i]!.ts)))
    // the standardisation and the drift reference are computed from the training mix alone
    const mix = [...training.map((i) => labelled[i]!), ...result.split.reference.map((i) => reference.rows[i]!)]
    expect(candidate.manifest.reference.sampleCount).toBe(mix.length)
    const mean0 = mix.reduce((s, r) => s + r.features[0]!, 0) / mix.length
    const pre = candidate.manifest.inputs[0]!.preprocessing
    expect(pre.type === 'standardize' && pre.mean[0]).toBeCloseTo(mean0, 6)
    expect(result.split.reference.length).toBeLessThanOrEqual(training.length)
  })
})

describe('retrainClassifier refusals', () => {
  const parent = shippedPackageDir('gas-sensor')
  const refused = (rows: LabelledRow[]): Promise<unknown> => retrainClassifier({ parent, labelled: rows, outDir: join(tmp.dir, 'refused'), epochs: 1 }).catch((e: unknown) => e)

  it('refuses a label the parent does not have, and writes nothing', async () => {
    const err = await refused([...labelled.slice(0, 10), { ...labelled[10]!, label: 'Methane' }])
    expect(err).toBeInstanceOf(RetrainError)
    expect((err as RetrainError).code).toBe('RETRAIN_LABEL_UNKNOWN')
    expect((err as Error).message).toMatch(/Methane/)
    await expect(readPackage(join(tmp.dir, 'refused'))).rejects.toThrow(/does not exist/)
  })

  it('refuses an empty dataset', async () => {
    expect(((await refused([])) as RetrainError).code).toBe('RETRAIN_DATASET_EMPTY')
  })

  it('refuses a version that is not above the parent', async () => {
    const err = await retrainClassifier({ parent, labelled, outDir: join(tmp.dir, 'refused'), version: '1.0.0' }).catch((e: unknown) => e)
    expect((err as RetrainError).code).toBe('RETRAIN_OPTIONS_INVALID')
  })

  it('stops between epochs when the signal aborts', async () => {
    const controller = new AbortController()
    const err = await retrainClassifier({
      parent, labelled, outDir: join(tmp.dir, 'refused'), epochs: 50, signal: controller.signal,
      onProgress: (p) => p.stage === 'train' && p.done === 2 && controller.abort(),
    }).catch((e: unknown) => e)
    expect((err as RetrainError).code).toBe('RETRAIN_CANCELLED')
    await expect(readPackage(join(tmp.dir, 'refused'))).rejects.toThrow(/does not exist/)
  })

  it('retrains reproducibly: the same seed gives the same ONNX bytes', async () => {
    const rows = gasSensorBatchRows(4)
    const a = await retrainClassifier({ parent, labelled: rows, outDir: join(tmp.dir, 'a'), epochs: 2 })
    const b = await retrainClassifier({ parent, labelled: rows, outDir: join(tmp.dir, 'b'), epochs: 2 })
    expect(a.sha256).toBe(b.sha256)
    expect(a.split).toEqual(b.split)
  })
})
