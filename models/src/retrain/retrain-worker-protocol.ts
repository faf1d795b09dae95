import { DataDirError } from '../data/data-dir.ts'
import { ModelBuildError, ModelPackageError, type ModelBuildErrorCode } from '../errors.ts'
import { RetrainError, type RetrainErrorCode } from '../errors.ts'
import type { RetrainOptions, RetrainProgress, RetrainResult } from './retrain-types.ts'

// Messages between `retrainInWorker` and the retraining worker thread.

/** What the worker is started with (`workerData`): the options that can be cloned. */
export interface RetrainWorkerData {
  options: Omit<RetrainOptions, 'onProgress' | 'signal'>
}

/** Main thread → worker. */
export type RetrainWorkerControl = { type: 'cancel' }

/** An error as it crosses the thread boundary. */
export interface SerialisedError {
  name: string
  code?: string
  message: string
  issues?: unknown
}

/** Worker → main thread. */
export type RetrainWorkerMessage =
  | { type: 'progress'; progress: RetrainProgress }
  | { type: 'done'; result: RetrainResult }
  | { type: 'failed'; error: SerialisedError }

/** An error thrown in the worker, reduced to what can be posted. */
export function serialiseError(err: unknown): SerialisedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) }
  const { code, issues } = err as Error & { code?: unknown; issues?: unknown }
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}), ...(issues === undefined ? {} : { issues }) }
}

/**
 * The error class and code the worker threw, rebuilt on the main thread; anything without a known
 * class becomes a RetrainError `RETRAIN_WORKER_FAILED` naming the original.
 */
export function reviveError(e: SerialisedError): Error {
  switch (e.name) {
    case 'RetrainError':
      return new RetrainError(e.code as RetrainErrorCode, e.message)
    case 'ModelBuildError':
      return new ModelBuildError(e.code as ModelBuildErrorCode, e.message)
    case 'ModelPackageError':
      return new ModelPackageError(e.code as ModelPackageError['code'], e.message, Array.isArray(e.issues) ? e.issues : [])
    case 'DataDirError':
      return new DataDirError(e.message)
    default:
      return new RetrainError('RETRAIN_WORKER_FAILED', `the retraining worker failed: ${e.name}: ${e.message}`)
  }
}
