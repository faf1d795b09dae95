import { existsSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Root of this repository (models/src/data → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** Environment variable that overrides the data directory. */
export const DATA_DIR_ENV = 'EDGEFLEET_DATA_DIR'

/** Where `edgefleet data fetch` puts data when no data directory is configured. */
export const DEFAULT_FETCH_DIR = join(REPO_ROOT, '.edgefleet', 'data')

export class DataDirError extends Error {
  override readonly name = 'DataDirError'
  readonly code = 'DATA_NOT_FOUND'
}

/**
 * The data directory holds `data/gas-sensor-drift/`, `data/faces/` and `models/ultraface/`.
 * Resolution order: the explicit argument (`--data-dir`), `$EDGEFLEET_DATA_DIR`, `../shared` next to
 * the repository when present, then `.edgefleet/data` (where `edgefleet data fetch` writes).
 */
export function resolveDataDir(explicit?: string): string {
  const fromEnv = process.env[DATA_DIR_ENV]
  if (explicit) return absolute(explicit)
  if (fromEnv) return absolute(fromEnv)
  const shared = resolve(REPO_ROOT, '..', 'shared')
  if (existsSync(join(shared, 'data'))) return shared
  return DEFAULT_FETCH_DIR
}

function absolute(p: string): string {
  return isAbsolute(p) ? p : resolve(process.cwd(), p)
}

/** Well-known paths inside a data directory. */
export function dataPaths(dataDir: string): { gasSensor: string; faces: string; ultraface: string } {
  return {
    gasSensor: join(dataDir, 'data', 'gas-sensor-drift'),
    faces: join(dataDir, 'data', 'faces'),
    ultraface: join(dataDir, 'models', 'ultraface'),
  }
}

/**
 * Returns `path` when it exists, else throws a DataDirError that says how to get the data.
 * `what` names the data for the message ("the gas-sensor CSVs").
 */
export function requireDataPath(path: string, what: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) return path
  throw new DataDirError(
    `${what} not found at ${path}. Point --data-dir (or $${DATA_DIR_ENV}) at a directory that has it, ` +
      'or run `pnpm edgefleet data fetch` to download the public originals.',
  )
}
