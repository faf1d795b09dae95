import type { CsvSourceOptions } from './csv-source.ts'
import type { Rejection } from './source.ts'

/** What the parse worker is started with. */
export interface CsvWorkerData {
  options: Omit<CsvSourceOptions, 'parseInWorker' | 'rate'>
  features: readonly string[]
  /** records per chunk message */
  chunkRows: number
}

/** Worker → main thread. `values` holds `count` rows of `features.length` values, transferred. */
export type CsvWorkerMessage =
  | { type: 'chunk'; count: number; values: Float64Array; ids: string[]; ts: number; actual: (string | undefined)[]; rejects: Rejection[] }
  | { type: 'done'; rejects: Rejection[] }
  | { type: 'failed'; code: string; message: string }

/** Main thread → worker: start a job, permission to send more chunks (flow control), or stop the job. */
export type CsvWorkerControl = { type: 'start'; data: CsvWorkerData } | { type: 'credit'; chunks: number } | { type: 'stop' }

/** Chunks in flight between the worker and the queue: bounds memory, and backpressure reaches the file. */
export const CSV_WORKER_CREDITS = 4
export const CSV_WORKER_CHUNK_ROWS = 256
