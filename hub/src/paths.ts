import { isAbsolute, join, resolve } from 'node:path'

/** Default hub data directory, relative to the working directory. */
export const DEFAULT_HUB_DATA_DIR = '.edgefleet'

/** Files the hub keeps in its data directory. */
export interface HubPaths {
  dataDir: string
  /** SQLite registry: devices, credentials, events, models */
  registry: string
  /** embedded telemetry store (SQLite) */
  telemetry: string
  /** the hub's Ed25519 model-signing key pair: `model-signing.key` (private, 0600) and `model-signing.pub` */
  keys: string
  /** registered ONNX files by digest: `models/<sha256>.onnx` */
  models: string
}

export function hubPaths(dataDir = DEFAULT_HUB_DATA_DIR): HubPaths {
  const dir = isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir)
  return { dataDir: dir, registry: join(dir, 'registry.db'), telemetry: join(dir, 'telemetry.db'), keys: join(dir, 'keys'), models: join(dir, 'models') }
}
