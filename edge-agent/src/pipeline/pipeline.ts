import type { ModelRef } from '@edgefleet/protocol'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import { modelInput, type BatchOutput, type ServingModel } from '../model/serving-model.ts'
import type { AgentPrediction, PredictionSink } from '../sinks/sink.ts'
import type { Rejection, Source, SourceRecord } from '../sources/source.ts'
import { BoundedQueue } from './bounded-queue.ts'
import { outputFinite } from './model-health.ts'
import { fixedModel, ModelSlot, type ServedModel } from './model-slot.ts'
import { runShadow } from './shadow.ts'
import { checkSourcesFit } from './source-fit.ts'
import { AgentStats, type SourceStats } from './stats.ts'

export interface PipelineOptions {
  /** a fixed model (the caller owns its session)… */
  model?: ServingModel
  /** …or a slot whose model can be replaced between batches (model activation) */
  slot?: ModelSlot
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
  observe?: (records: readonly SourceRecord[], output: BatchOutput) => void
  /** sees every predicted batch after the sink: raw readings and their predictions row by row, and the model that made them (training samples) */
  onPredicted?: (records: readonly SourceRecord[], predictions: readonly AgentPrediction[], model: Readonly<ModelRef>) => void
}

interface Queued extends SourceRecord {
  source: string
}

/** How many failed inference runs are logged one by one before the rest are only counted. */
const LOGGED_INFERENCE_ERRORS = 10

/**
 * source(s) → bounded queue → micro-batches (up to N readings or T ms) → one session.run per batch
 * → sink. Resolves with the stats when every source has ended (or the signal aborted) and the
 * queue has drained: nothing accepted is lost on a clean stop. Each batch runs on the slot's model
 * of the moment, so a model swapped in takes over at a batch boundary. A run that throws or
 * outputs NaN/Infinity is counted (model health, `stats.failedReadings`) and the pipeline goes on.
 */
export async function runPipeline(o: PipelineOptions): Promise<AgentStats> {
  const slot = o.slot ?? (o.model ? new ModelSlot(fixedModel(o.model)) : undefined)
  if (!slot) throw new AgentError('AGENT_USAGE', 'runPipeline needs a model or a slot')
  const logger = o.logger ?? silentLogger
  const batchSize = o.batchSize ?? 64
  const batchWaitMs = o.batchWaitMs ?? 5
  const stats = o.stats ?? new AgentStats()
  const queue = new BoundedQueue<Queued>(Math.max(o.queueSize ?? 1024, batchSize))
  const signal = o.signal ?? new AbortController().signal
  checkSourcesFit(o.sources, slot.current.model)

  const produce = async (): Promise<void> => {
    try {
      for (const source of o.sources) {
        if (signal.aborted) break
        const name = source.name
        await source.run({
          features: slot.features,
          ...(slot.image ? { image: slot.image } : {}),
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

  let failedRuns = 0
  const failed = (served: ServedModel, rows: number, message: string): void => {
    served.health.recordError(rows)
    stats.failedReadings += rows
    stats.readings += rows
    if (++failedRuns <= LOGGED_INFERENCE_ERRORS) logger.error({ code: 'MODEL_OUTPUT_INVALID', model: `${served.ref.name}@${served.ref.version}`, readings: rows }, `inference failed, the batch's readings are counted as failed: ${message}`)
    if (failedRuns === LOGGED_INFERENCE_ERRORS) logger.error({ code: 'MODEL_OUTPUT_INVALID' }, 'further inference failures are counted, not logged')
  }

  const consumeAll = async (): Promise<void> => {
    let buffer: Float32Array | undefined
    let bufferFor: ServedModel | undefined
    let model = { name: '', version: '' }
    for (;;) {
      // a full batch waiting in the queue is taken without a round trip through the event loop
      const batch = queue.length >= batchSize ? queue.takeNow(batchSize) : await queue.take(batchSize, batchWaitMs)
      if (batch.length === 0) return
      const served = slot.acquire()
      try {
        if (served !== bufferFor) {
          buffer = served.model.allocate(batchSize)
          bufferFor = served
          model = { name: served.ref.name, version: served.ref.version }
        }
        let t0 = 0
        let output: BatchOutput
        try {
          // inside the try: a frame the model cannot take fails its batch, not the pipeline
          for (let i = 0; i < batch.length; i++) served.model.put(modelInput(batch[i]!), buffer!, i)
          t0 = performance.now()
          output = await served.model.run(buffer!, batch.length)
        } catch (err) {
          failed(served, batch.length, (err as Error).message)
          continue
        }
        const elapsed = performance.now() - t0
        if (!outputFinite(output)) {
          failed(served, batch.length, 'the model output NaN or Infinity')
          continue
        }
        served.health.recordRun(elapsed, batch.length)
        const latencyMs = elapsed / batch.length
        stats.inferenceMs += elapsed
        stats.batches++
        const predictions = new Array<AgentPrediction>(batch.length)
        let sourceName: string | undefined
        let source: SourceStats | undefined
        for (let i = 0; i < batch.length; i++) {
          const r = batch[i]!
          const p: AgentPrediction = { id: r.id, ts: r.ts, latencyMs }
          // an image model also completes the record's drift values here (see ServingModel.read)
          served.model.read(output, i, p, o.scores, r)
          if (r.frame) {
            stats.frames++
            stats.prepareMs += r.frame.prepareMs
          }
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
        served.observe?.(batch, output)
        o.observe?.(batch, output)
        const written = o.sink.write(predictions, model)
        if (written) await written
        o.onPredicted?.(batch, predictions, model)
        const shadow = slot.acquireShadow()
        if (shadow) {
          try {
            await runShadow(shadow, batch, served.model, output)
          } finally {
            slot.release(shadow.served)
          }
        }
      } finally {
        slot.release(served)
      }
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
