import { parentPort, workerData } from 'node:worker_threads'
import { retrainClassifier } from './retrain-classifier.ts'
import { serialiseError, type RetrainWorkerControl, type RetrainWorkerData, type RetrainWorkerMessage } from './retrain-worker-protocol.ts'

/**
 * Retraining worker: runs one `retrainClassifier` job off the main thread, posting progress and the
 * result (or the error with its code). A `cancel` aborts the job between epochs. The thread stays up
 * after answering until the main thread terminates it, so no answer races the exit.
 */
const port = parentPort!
const controller = new AbortController()
const post = (m: RetrainWorkerMessage): void => port.postMessage(m)

port.on('message', (m: RetrainWorkerControl) => {
  if (m.type === 'cancel') controller.abort()
})

const { options } = workerData as RetrainWorkerData
try {
  const result = await retrainClassifier({ ...options, signal: controller.signal, onProgress: (progress) => post({ type: 'progress', progress }) })
  post({ type: 'done', result })
} catch (err) {
  post({ type: 'failed', error: serialiseError(err) })
}
