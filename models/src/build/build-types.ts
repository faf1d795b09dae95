import type { Evaluation } from '@edgefleet/protocol'

/** Progress of a long build step, for CLIs to show. */
export interface BuildProgress {
  /** step name, e.g. `train`, `export`, `evaluate` */
  stage: string
  done: number
  total: number
  message?: string
}

/** Options shared by the package builders. */
export interface BuildOptions {
  /** data directory (default: {@link resolveDataDir}) */
  dataDir?: string
  /** where to write the package (default: `shippedPackageDir(name)`) */
  outDir?: string
  /** seed for everything random in the build (default {@link DEFAULT_SEED}) */
  seed?: number
  /** receives progress; builders never print */
  onProgress?: (p: BuildProgress) => void
}

/** What a build produced (or found up to date). */
export interface BuildReport {
  name: string
  version: string
  /** the package directory */
  dir: string
  /** sha256 of the ONNX file */
  sha256: string
  metrics: Record<string, number>
  evaluations: Evaluation[]
  /** true when the package was up to date and not rebuilt */
  skipped?: boolean
}

/** Seed used when the options give none. */
export const DEFAULT_SEED = 42

/** `createdAt` of a build: `$SOURCE_DATE_EPOCH` (seconds, for reproducible builds) when set, else now. */
export function buildTimestamp(): string {
  const epoch = process.env['SOURCE_DATE_EPOCH']
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString()
  return new Date().toISOString()
}
