import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { DownloadProgress } from './download.ts'
import { DATA_GROUPS, type DataGroup, type FetchContext, type FetchItemReport } from './fetch-context.ts'
import { fetchGasSensor } from './fetch-gas-sensor.ts'
import { fetchFaces, fetchUltraface } from './fetch-pinned-files.ts'
import { DEFAULT_SOURCES, type DataSources } from './sources.ts'

/** Options of {@link fetchData}. */
export interface FetchOptions {
  /** Data directory to fill: `data/gas-sensor-drift/`, `data/faces/`, `models/ultraface/`. */
  dest: string
  /** Replaces some of the upstream URLs (a mirror, or a local server in tests). */
  sources?: Partial<DataSources>
  /** Fetch only these groups; all of them by default. */
  only?: DataGroup[]
  /** Download again even what is already present and valid (and discard partial downloads). */
  force?: boolean
  /** Aborts the fetch; it rejects with the signal's reason and partial downloads are kept for resuming. */
  signal?: AbortSignal
  /** Called as bytes arrive, and once per file with `done: true` when it is in place. */
  onProgress?: (p: DownloadProgress) => void
  /** Fail an attempt when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number
  /** Attempts per file, resuming each time (default 3). */
  attempts?: number
  /** Wait before retry n is n × this (default 1 s). */
  retryDelayMs?: number
}

/** What {@link fetchData} did. */
export interface FetchReport {
  /** The data directory, absolute. */
  dest: string
  /** One entry per file (per archive for the gas-sensor data), in fetch order. */
  items: FetchItemReport[]
  /** Bytes received over the network, all items together. */
  receivedBytes: number
  /** Every file written, relative to `dest` with `/` separators. */
  filesWritten: string[]
}

const STEPS: Record<DataGroup, (ctx: FetchContext) => Promise<FetchItemReport[]>> = {
  'gas-sensor': fetchGasSensor,
  ultraface: fetchUltraface,
  faces: fetchFaces,
}

/**
 * Downloads the public originals of the project's data (UCI gas-sensor drift batches, UltraFace
 * models, sample face photographs) and lays them out like the shared data directory. Items already
 * present and valid are skipped unless `force`. Rejects with a DataFetchError (or the abort
 * reason); files completed before the failure stay, so running it again continues.
 */
export async function fetchData(o: FetchOptions): Promise<FetchReport> {
  const only = o.only ?? DATA_GROUPS
  for (const group of only) {
    if (!DATA_GROUPS.includes(group)) {
      throw new TypeError(`Unknown data group "${String(group)}"; expected one of ${DATA_GROUPS.join(', ')}`)
    }
  }
  const dest = resolve(o.dest)
  await mkdir(dest, { recursive: true })
  const ctx: FetchContext = {
    dest,
    sources: { ...DEFAULT_SOURCES, ...definedOnly(o.sources) },
    force: o.force ?? false,
    signal: o.signal,
    onProgress: o.onProgress,
    idleTimeoutMs: o.idleTimeoutMs ?? 30_000,
    attempts: Math.max(1, o.attempts ?? 3),
    retryDelayMs: o.retryDelayMs ?? 1000,
  }
  const items: FetchItemReport[] = []
  for (const group of DATA_GROUPS) {
    if (!only.includes(group)) continue
    ctx.signal?.throwIfAborted()
    items.push(...(await STEPS[group](ctx)))
  }
  return {
    dest,
    items,
    receivedBytes: items.reduce((sum, i) => sum + i.receivedBytes, 0),
    filesWritten: items.flatMap((i) => i.files),
  }
}

function definedOnly(sources: Partial<DataSources> | undefined): Partial<DataSources> {
  return Object.fromEntries(Object.entries(sources ?? {}).filter(([, v]) => v !== undefined))
}
