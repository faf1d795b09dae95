import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPackage } from '../package/read-package.ts'
import { shippedPackageDir } from '../package/shipped.ts'
import { makeTempDir } from '../package/test-fixture.ts'
import { gasSensorBatchRows } from './gas-sensor-rows.ts'
import { retrainInWorker } from './retrain-in-worker.ts'
import { RetrainError } from '../errors.ts'
import { RETRAIN_STAGES, type LabelledRow, type RetrainProgress } from './retrain-types.ts'

const parent = shippedPackageDir('gas-sensor')
let tmp: { dir: string; cleanup: () => Promise<void> }
let labelled: LabelledRow[]

beforeAll(async () => {
  tmp = await makeTempDir()
  labelled = gasSensorBatchRows(4)
})
afterAll(() => tmp?.cleanup())

describe('retrainInWorker', () => {
  it('reports every stage in order, epochs one by one, and returns the result', async () => {
    const progress: RetrainProgress[] = []
    const result = await retrainInWorker({ parent, labelled, outDir: join(tmp.dir, 'ok'), epochs: 3, onProgress: (p) => progress.push(p) })
    expect(progress.map((p) => p.stage).filter((s, i, all) => s !== all[i - 1])).toEqual([...RETRAIN_STAGES])
    expect(progress.filter((p) => p.stage === 'train' && p.done > 0).map((p) => p.done)).toEqual([1, 2, 3])
    expect(progress.find((p) => p.stage === 'train' && p.done === 1)?.message).toMatch(/^loss \d/)
    expect(result).toMatchObject({ version: '1.1.0', parentVersion: '1.0.0' })
    expect((await readPackage(result.dir)).manifest.model.sha256).toBe(result.sha256)
  })

  it('is cancelled between epochs by its signal and writes nothing', async () => {
    const controller = new AbortController()
    const stages: string[] = []
    const err = await retrainInWorker({
      parent, labelled, outDir: join(tmp.dir, 'cancelled'), epochs: 500, signal: controller.signal,
      onProgress: (p) => {
        stages.push(p.stage)
        if (p.stage === 'train' && p.done === 1) controller.abort()
      },
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RetrainError)
    expect((err as RetrainError).code).toBe('RETRAIN_CANCELLED')
    expect(stages).not.toContain('export')
    await expect(readPackage(join(tmp.dir, 'cancelled'))).rejects.toThrow(/does not exist/)
  })

  it('terminates a worker that does not stop within the grace period', async () => {
    const controller = new AbortController()
    const err = await retrainInWorker({
      parent, labelled, outDir: join(tmp.dir, 'terminated'), epochs: 500, signal: controller.signal, cancelGraceMs: 0,
      onProgress: (p) => p.stage === 'prepare' && controller.abort(),
    }).catch((e: unknown) => e)
    expect((err as RetrainError).code).toBe('RETRAIN_CANCELLED')
  })

  it('brings errors back with their class and code', async () => {
    const unknown = await retrainInWorker({ parent, labelled: [...labelled.slice(0, 5), { ...labelled[5]!, label: 'Methane' }], outDir: join(tmp.dir, 'x') }).catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(RetrainError)
    expect((unknown as RetrainError).code).toBe('RETRAIN_LABEL_UNKNOWN')
    const empty = await retrainInWorker({ parent, labelled: [], outDir: join(tmp.dir, 'x') }).catch((e: unknown) => e)
    expect((empty as RetrainError).code).toBe('RETRAIN_DATASET_EMPTY')
  })
})
