import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DataDirError, dataPaths, requireDataPath, resolveDataDir } from '../../data/data-dir.ts'
import { GAS_FEATURE_COUNT, parseGasSensorCsv, type GasSensorBatchRaw } from './load-batch.ts'

/** Batches the shipped model trains on (the first months of the data set). */
export const TRAIN_BATCHES = [1, 2] as const
/** Later batches it is evaluated on, one by one, to show the sensors' drift (7 and 10 are not in the data). */
export const EVAL_BATCHES = [3, 4, 5, 6, 8, 9] as const

/** Paths of every batch CSV a gas-sensor build reads, checked to exist. */
export function gasSensorInputFiles(dataDir?: string): { train: string[]; evaluation: Map<number, string> } {
  const dir = requireDataPath(dataPaths(resolveDataDir(dataDir)).gasSensor, 'the gas-sensor-drift CSVs')
  const path = (b: number): string => {
    const p = join(dir, `batch${b}.csv`)
    if (!existsSync(p)) throw new DataDirError(`${p} is missing: the gas-sensor build needs batches ${[...TRAIN_BATCHES, ...EVAL_BATCHES].join(', ')}; fetch the data again`)
    return p
  }
  return { train: TRAIN_BATCHES.map(path), evaluation: new Map(EVAL_BATCHES.map((b) => [b, path(b)])) }
}

/**
 * Reads and concatenates CSVs, in order. `sha256` is over the files' bytes one after the other
 * (`cat batch1.csv batch2.csv | sha256sum`), so anyone can check which data a model was trained on.
 */
export function readBatches(paths: readonly string[]): GasSensorBatchRaw & { sha256: string } {
  const hash = createHash('sha256')
  const parts = paths.map((p) => {
    const bytes = readFileSync(p)
    hash.update(bytes)
    return parseGasSensorCsv(bytes.toString('utf8'), p)
  })
  const n = parts.reduce((sum, part) => sum + part.n, 0)
  const features = new Float64Array(n * GAS_FEATURE_COUNT)
  const classes = new Int32Array(n)
  const concentration = new Float64Array(n)
  let row = 0
  for (const part of parts) {
    features.set(part.features, row * GAS_FEATURE_COUNT)
    classes.set(part.classes, row)
    concentration.set(part.concentration, row)
    row += part.n
  }
  return { labels: parts.flatMap((p) => p.labels), classes, concentration, features, n, sha256: hash.digest('hex') }
}
