import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { zipSync, type Zippable } from 'fflate'
import { dataPaths, requireDataPath, resolveDataDir } from './data-dir.ts'
import { GAS_NAMES } from './gas-sensor-dat.ts'

/** Test fixtures built from the real shared data: the data directory, read-only. */
export function sharedData(): ReturnType<typeof dataPaths> {
  const paths = dataPaths(resolveDataDir())
  requireDataPath(paths.gasSensor, 'The shared gas-sensor CSVs (test fixtures)')
  requireDataPath(paths.ultraface, 'The shared UltraFace models (test fixtures)')
  requireDataPath(paths.faces, 'The shared face photographs (test fixtures)')
  return paths
}

/** A shared batch CSV as bytes. */
export function sharedCsv(batch: number): Buffer {
  return readFileSync(join(sharedData().gasSensor, `batch${batch}.csv`))
}

/** Turns a shared-layout CSV back into the UCI `.dat` format (`CLASS;CONC 1:v1 … 128:v128 `). */
export function csvToDat(csv: string, eol = '\n'): string {
  return csv
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [gas, concentration, ...features] = line.trimEnd().split(',')
      const gasClass = GAS_NAMES.indexOf(gas as (typeof GAS_NAMES)[number]) + 1
      return `${gasClass};${concentration} ${features.map((v, i) => `${i + 1}:${v}`).join(' ')} ${eol}`
    })
    .join('')
}

/** A zip laid out like the UCI download: `Dataset/batchN.dat`, or that inside `Dataset.zip`. */
export function uciZip(dats: Record<number, string>, layout: 'flat' | 'nested'): Uint8Array {
  const dataset: Zippable = {}
  for (const [n, dat] of Object.entries(dats)) dataset[`Dataset/batch${n}.dat`] = new TextEncoder().encode(dat)
  // resource forks as a macOS archiver adds them: must be ignored
  dataset['__MACOSX/Dataset/._batch1.dat'] = new Uint8Array([0, 5, 22, 7])
  if (layout === 'flat') return zipSync(dataset)
  return zipSync({ 'Dataset.zip': zipSync(dataset), 'README.txt': new TextEncoder().encode('Gas sensor drift') })
}
