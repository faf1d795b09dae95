import { join } from 'node:path'
import { isModelName } from '@edgefleet/protocol'
import { HubError } from '../../errors.ts'
import { hubPaths } from '../../paths.ts'

/** Where the dataset store keeps its files in a hub data directory. */
export interface DatasetPaths {
  /** the SQLite file: samples, labels, snapshot records */
  db: string
  /** snapshot files: `<snapshots>/<model>/<n>.jsonl` */
  snapshots: string
}

export function datasetPaths(dataDir: string): DatasetPaths {
  const dir = hubPaths(dataDir).dataDir
  return { db: join(dir, 'datasets.db'), snapshots: join(dir, 'datasets') }
}

/** Returns `model`, or throws HUB_USAGE: model names become directory names. */
export function requireModelName(model: string): string {
  if (!isModelName(model)) throw new HubError('HUB_USAGE', `invalid model name ${JSON.stringify(model)}: use lower-case letters, digits and '-', e.g. gas-sensor`)
  return model
}
