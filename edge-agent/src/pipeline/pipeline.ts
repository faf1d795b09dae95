import type { Logger } from '../errors.ts'
import type { TabularModel } from '../model/tabular.ts'
import type { AgentPrediction, PredictionSink } from '../sinks/sink.ts'
import type { Rejection, Source, SourceRecord } from '../sources/source.ts'
import { BoundedQueue } from './bounded-queue.ts'
import { AgentStats, type SourceStats } from './stats.ts'

export interface PipelineOptions {
  model: TabularModel
  /** run one after another, in order (files replay in sequence) */
  sources: readonly Source[]
  sink: PredictionSink
  /** samples per session.run (default 64) */
  batchSize?: number
  /** longest a partial batch waits to fill, ms (default 5) */
  batchWaitMs?: number
  /** readings held between sources and the batcher (default 1024) */
  queueSize?: number
  /** include every class score in each prediction */
  scores?: boolean
  signal?: AbortSignal
  logger?: Logger
  onReject?: (r: Rejection) => void
  stats?: AgentStats
  /** sees every inferred batch, raw readings and model outputs row by row (the drift monitor); must not keep `output` */
  observe?: (records: readonly SourceRecord[], output: { data: Float32Array; width: number }) => void
}

interface Queued extends SourceRecord {
  source: string
}

/**
 * source(s) → bounded queue → micro-batches (up to N readings or T ms) → one session.run per batch
 * → sink. Resolves with the stats when every source has ended (or the signal aborted) and the
 * queue has drained: nothing accepted is lost on a clean stop.
 */
export async function runPipeline(o: PipelineOptions): Promise<AgentStats> {
  const batchSize = o.batchSize ?? 64
  const batchWaitMs = o.batchWaitMs ?? 5
  const stats = o.stats ?? new AgentStats()
  const queue = new BoundedQueue<Queued>(Math.max(o.queueSize ?? 1024, batchSize))
  const signal = o.signal ?? new AbortController().signal

  const produce = async (): Promise<void> => {
    try {
      for (const source of o.sources) {
        if (signal.aborted) break
        const name = source.name
        await source.run({
          features: o.model.features,
          push: (r) => queue.push(tag(r, name)),
          tryPush: (r) => queue.tryPush(tag(r, name)),
          reject: (r) => {
            stats.reject(r.code)
            o.onReject?.(r)
          },
          signal,
        })
      }
    } finally {
      queue.close()
    }
  }

  const consume = async (): Promise<void> => {
    try {
      await consumeAll()
    } finally {
      // a failed consumer must not leave a file source waiting forever for queue space
      queue.close()
    }
  }

  const consumeAll = async (): Promise<void> => {
    const buffer = o.model.allocate(batchSize)
    const model = { name: o.model.manifest.name, version: o.model.manifest.version }
    for (;;) {
      // a full batch waiting in the queue is taken without a round trip through the event loop
      const batch = queue.length >= batchSize ? queue.takeNow(batchSize) : await queue.take(batchSize, batchWaitMs)
      if (batch.length === 0) return
      for (let i = 0; i < batch.length; i++) o.model.put(batch[i]!.values, buffer, i)
      const t0 = performance.now()
      const output = await o.model.run(buffer, batch.length)
      const elapsed = performance.now() - t0
      const latencyMs = elapsed / batch.length
      stats.inferenceMs += elapsed
      stats.batches++
      const predictions = new Array<AgentPrediction>(batch.length)
      let sourceName: string | undefined
      let source: SourceStats | undefined
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!
        const p: AgentPrediction = { id: r.id, ts: r.ts, latencyMs }
        o.model.read(output, i, p, o.scores)
        if (r.source !== sourceName) {
          sourceName = r.source
          source = stats.source(r.source)
        }
        source!.readings++
        if (r.actual !== undefined) {
          p.actual = r.actual
          source!.labelled++
          if (r.actual === p.label) source!.correct++
        }
        predictions[i] = p
      }
      stats.readings += batch.length
      stats.predictions += batch.length
      o.observe?.(batch, output)
      const written = o.sink.write(predictions, model)
      if (written) await written
    }
  }

  // the consumer must keep draining even if a source fails, so that accepted readings are not lost
  const [produced, consumed] = await Promise.allSettled([produce(), consume()])
  if (consumed.status === 'rejected') throw consumed.reason
  if (produced.status === 'rejected') throw produced.reason
  return stats
}

function tag(r: SourceRecord, source: string): Queued {
  const q = r as Queued
  q.source = source
  return q
}
