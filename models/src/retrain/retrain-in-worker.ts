import { Worker } from 'node:worker_threads'
import { RetrainError } from '../errors.ts'
import { reviveError, type RetrainWorkerControl, type RetrainWorkerData, type RetrainWorkerMessage } from './retrain-worker-protocol.ts'
import type { RetrainOptions, RetrainResult } from './retrain-types.ts'

// the worker module sits next to this one: from source it starts through a tsx bootstrap, bundled it is .js
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './retrain-worker-dev.mjs' : './retrain-worker.js', import.meta.url)

/** Options of {@link retrainInWorker}. */
export interface RetrainInWorkerOptions extends RetrainOptions {
  /** after a cancel, how long the worker may take to stop between epochs before it is terminated (default 10 000 ms) */
  cancelGraceMs?: number
}

const DEFAULT_CANCEL_GRACE_MS = 10_000

/**
 * Runs {@link retrainClassifier} on a `worker_threads` Worker, one per job, so the caller's event loop
 * (the hub's ingest) never waits for TF.js. Progress comes back through `onProgress`; errors are
 * rethrown with their class and code. Aborting `signal` asks the worker to stop between epochs and
 * terminates it after `cancelGraceMs` if it has not; either way the promise rejects with
 * `RETRAIN_CANCELLED`. The worker is terminated when the job ends.
 */
export function retrainInWorker(o: RetrainInWorkerOptions): Promise<RetrainResult> {
  const { onProgress, signal, cancelGraceMs = DEFAULT_CANCEL_GRACE_MS, ...options } = o
  if (signal?.aborted) return Promise.reject(cancelled())
  const data: RetrainWorkerData = { options }
  const worker = new Worker(WORKER_URL, { workerData: data })
  return new Promise<RetrainResult>((resolve, reject) => {
    let settled = false
    let graceTimer: NodeJS.Timeout | undefined
    const finish = (outcome: { result: RetrainResult } | { error: Error }): void => {
      if (settled) return
      settled = true
      clearTimeout(graceTimer)
      signal?.removeEventListener('abort', onAbort)
      // the job is over either way: free the thread and TF.js's memory
      void worker.terminate()
      if ('result' in outcome) resolve(outcome.result)
      else reject(outcome.error)
    }
    const onAbort = (): void => {
      worker.postMessage({ type: 'cancel' } satisfies RetrainWorkerControl)
      graceTimer = setTimeout(() => finish({ error: cancelled(`the worker did not stop within ${cancelGraceMs} ms and was terminated`) }), cancelGraceMs)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    worker.on('message', (m: RetrainWorkerMessage) => {
      if (m.type === 'progress') {
        try {
          onProgress?.(m.progress)
        } catch (err) {
          finish({ error: err instanceof Error ? err : new Error(String(err)) })
        }
      } else if (m.type === 'done') finish({ result: m.result })
      else finish({ error: reviveError(m.error) })
    })
    worker.on('error', (err) => finish({ error: new RetrainError('RETRAIN_WORKER_FAILED', `the retraining worker crashed: ${err.message}`, { cause: err }) }))
    worker.on('exit', (code) => finish({ error: signal?.aborted ? cancelled() : new RetrainError('RETRAIN_WORKER_FAILED', `the retraining worker exited (code ${code}) without an answer`) }))
  })
}

function cancelled(detail?: string): RetrainError {
  return new RetrainError('RETRAIN_CANCELLED', `the retraining job was cancelled${detail ? `: ${detail}` : ''}; nothing was written`)
}
