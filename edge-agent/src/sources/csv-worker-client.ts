import { Worker } from 'node:worker_threads'
import { AgentError } from '../errors.ts'
import type { CsvSourceOptions } from './csv-source.ts'
import { CSV_WORKER_CHUNK_ROWS, CSV_WORKER_CREDITS, type CsvWorkerControl, type CsvWorkerData, type CsvWorkerMessage } from './csv-worker-protocol.ts'
import type { SourceContext, SourceRecord } from './source.ts'

// the worker module sits next to this one: from source it starts through a tsx bootstrap; bundled it is
// .mjs, so it loads as ESM in a directory without a package.json (a flashed bundle)
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './csv-worker-dev.mjs' : './csv-worker.mjs', import.meta.url)

/** Idle parse workers, reused by later jobs; unref'd so they never keep the process alive. */
const idle: Worker[] = []

function takeWorker(): Worker {
  const worker = idle.pop() ?? new Worker(WORKER_URL)
  worker.ref()
  return worker
}

function releaseWorker(worker: Worker): void {
  worker.removeAllListeners('message')
  worker.removeAllListeners('error')
  worker.removeAllListeners('exit')
  worker.unref()
  idle.push(worker)
}

/** Runs a CSV source with parsing on a worker thread; records reach the queue in file order. */
export async function runCsvWorker(o: CsvSourceOptions, ctx: SourceContext): Promise<void> {
  const { parseInWorker: _p, rate: _r, ...options } = o
  const data: CsvWorkerData = { options, features: [...ctx.features], chunkRows: CSV_WORKER_CHUNK_ROWS }
  const worker = takeWorker()
  const inbox: CsvWorkerMessage[] = []
  let wake: (() => void) | undefined
  const deliver = (m: CsvWorkerMessage): void => {
    inbox.push(m)
    wake?.()
  }
  let healthy = true
  worker.on('message', deliver)
  worker.on('error', (err) => {
    healthy = false
    deliver({ type: 'failed', code: 'AGENT_SOURCE_FAILED', message: `the CSV parse worker failed: ${err.message}` })
  })
  worker.on('exit', (code) => {
    healthy = false
    deliver({ type: 'failed', code: 'AGENT_SOURCE_FAILED', message: `the CSV parse worker exited (${code}) before the end of ${o.path}` })
  })
  const onAbort = (): void => deliver({ type: 'done', rejects: [] })
  ctx.signal.addEventListener('abort', onAbort, { once: true })
  const control = (m: CsvWorkerControl): void => worker.postMessage(m)
  control({ type: 'start', data })
  control({ type: 'credit', chunks: CSV_WORKER_CREDITS })
  const width = ctx.features.length
  let finished = false
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve))
      const m = inbox.shift()!
      if (m.type === 'failed') {
        finished = true
        throw new AgentError(m.code as AgentError['code'], m.message)
      }
      for (const r of m.rejects) ctx.reject(r)
      if (m.type === 'done') {
        finished = !ctx.signal.aborted
        return
      }
      for (let i = 0; i < m.count; i++) {
        const record: SourceRecord = { id: m.ids[i]!, ts: m.ts, values: m.values.subarray(i * width, (i + 1) * width) }
        const label = m.actual[i]
        if (label !== undefined) record.actual = label
        if (!(ctx.tryPush(record) || (await ctx.push(record)))) return
      }
      control({ type: 'credit', chunks: 1 })
    }
  } finally {
    ctx.signal.removeEventListener('abort', onAbort)
    // a worker whose job ended cleanly is reused; one stopped mid-file is discarded
    if (healthy && finished) releaseWorker(worker)
    else await worker.terminate()
  }
}
