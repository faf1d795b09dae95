import { parentPort } from 'node:worker_threads'
import { AgentError } from '../errors.ts'
import { readCsvFile, type CsvReaderSink } from './csv-source.ts'
import type { CsvWorkerControl, CsvWorkerData, CsvWorkerMessage } from './csv-worker-protocol.ts'
import type { Rejection } from './source.ts'

/**
 * Parse worker: reads and parses CSV files on its own thread, one job at a time, and sends the
 * records to the main thread in chunks of typed arrays (transferred, not copied), at most the
 * granted number of chunks ahead. It lives across jobs so a replay of many files starts it once.
 */
const port = parentPort!

let job: Job | undefined

port.on('message', (m: CsvWorkerControl) => {
  if (m.type === 'start') {
    job = new Job(m.data)
    void job.run().finally(() => (job = undefined))
  } else if (m.type === 'stop') job?.controller.abort()
  else job?.grant(m.chunks)
})

class Job {
  readonly controller = new AbortController()
  private credits = 0
  private wakeOnCredit: (() => void) | undefined
  private readonly width: number
  private slab: Float64Array
  private count = 0
  private ids: string[] = []
  private actual: (string | undefined)[] = []
  private rejects: Rejection[] = []

  constructor(private readonly data: CsvWorkerData) {
    this.width = data.features.length
    this.slab = new Float64Array(data.chunkRows * this.width)
  }

  grant(chunks: number): void {
    this.credits += chunks
    this.wakeOnCredit?.()
  }

  async run(): Promise<void> {
    const sink: CsvReaderSink = {
      allocate: () => this.slab.subarray(this.count * this.width, (this.count + 1) * this.width),
      emit: (record) => {
        this.ids.push(record.id)
        this.actual.push(record.actual)
        this.count++
        return this.count === this.data.chunkRows ? this.flush() : true
      },
      reject: (r) => void this.rejects.push(r),
    }
    try {
      await readCsvFile(this.data.options, this.data.features, sink, this.controller.signal)
      if (this.count > 0) await this.flush()
      port.postMessage({ type: 'done', rejects: this.rejects } satisfies CsvWorkerMessage)
    } catch (err) {
      const code = err instanceof AgentError ? err.code : 'AGENT_SOURCE_FAILED'
      port.postMessage({ type: 'failed', code, message: (err as Error).message } satisfies CsvWorkerMessage)
    }
  }

  private async flush(): Promise<boolean> {
    const { signal } = this.controller
    while (this.credits === 0 && !signal.aborted) await new Promise<void>((resolve) => (this.wakeOnCredit = resolve))
    if (signal.aborted) return false
    this.credits--
    const message: CsvWorkerMessage = { type: 'chunk', count: this.count, values: this.slab, ids: this.ids, ts: Date.now(), actual: this.actual, rejects: this.rejects }
    port.postMessage(message, [this.slab.buffer as ArrayBuffer])
    this.slab = new Float64Array(this.data.chunkRows * this.width)
    this.count = 0
    this.ids = []
    this.actual = []
    this.rejects = []
    return true
  }
}
