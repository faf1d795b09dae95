import { relative, sep } from 'node:path'
import type { DownloadProgress } from './download.ts'
import type { DataSources } from './sources.ts'

/** The groups of data `fetchData` knows how to fetch, in the order it fetches them. */
export const DATA_GROUPS = ['gas-sensor', 'ultraface', 'faces'] as const

/** One group of data: the gas-sensor CSVs, the UltraFace models, the face photographs. */
export type DataGroup = (typeof DATA_GROUPS)[number]

/** What happened to one item (a file, or the whole gas-sensor archive). */
export interface FetchItemReport {
  group: DataGroup
  /** Path of the item relative to the data directory, with `/` separators. */
  item: string
  /** `skipped` when the item was already present and valid. */
  status: 'downloaded' | 'skipped'
  /** Bytes received over the network for it, retries included. */
  receivedBytes: number
  /** Files written into the data directory (relative, `/` separators). */
  files: string[]
}

/** Resolved options shared by the fetch steps. */
export interface FetchContext {
  dest: string
  sources: DataSources
  force: boolean
  signal: AbortSignal | undefined
  onProgress: ((p: DownloadProgress) => void) | undefined
  idleTimeoutMs: number
  attempts: number
  retryDelayMs: number
}

/** `path` relative to the data directory, `/`-separated on every platform. */
export function relativeItem(ctx: FetchContext, path: string): string {
  return relative(ctx.dest, path).split(sep).join('/')
}

/** The download options every step passes along unchanged. */
export function downloadDefaults(ctx: FetchContext): {
  idleTimeoutMs: number
  attempts: number
  retryDelayMs: number
  fresh: boolean
  signal?: AbortSignal
  onProgress?: (p: DownloadProgress) => void
} {
  return {
    idleTimeoutMs: ctx.idleTimeoutMs,
    attempts: ctx.attempts,
    retryDelayMs: ctx.retryDelayMs,
    fresh: ctx.force,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  }
}
