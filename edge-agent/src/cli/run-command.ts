import { createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { AgentError, type Logger } from '../errors.ts'
import { loadPackage } from '../model/load-model.ts'
import { resolveModelDir } from '../model/resolve-model.ts'
import { TabularModel } from '../model/tabular.ts'
import { runPipeline } from '../pipeline/pipeline.ts'
import { AgentStats } from '../pipeline/stats.ts'
import { JsonlSink } from '../sinks/jsonl-sink.ts'
import { PrettySink } from '../sinks/pretty-sink.ts'
import type { PredictionSink } from '../sinks/sink.ts'
import { CsvSource } from '../sources/csv-source.ts'
import { JsonlSource } from '../sources/jsonl-source.ts'
import { MqttSource } from '../sources/mqtt-source.ts'
import type { Rejection, Source } from '../sources/source.ts'
import type { RunConfig } from './run-config.ts'
import { formatSummary } from './summary.ts'

/** Write buffer of --out files: large enough that the pipeline does not wait for each batch's write. */
const OUT_BUFFER_BYTES = 1 << 20

/** How many rejections of each code are logged one by one before the rest are only counted. */
const LOGGED_REJECTIONS_PER_CODE = 10

/** `edgefleet-agent run`: load, prove, and serve a model on the configured sources until they end or a signal arrives. */
export async function runCommand(config: Readonly<RunConfig>, logger: Logger, io: { json: boolean }): Promise<AgentStats> {
  const dir = resolveModelDir(config.model)
  const loaded = await loadPackage(dir, {
    backend: config.backend,
    threads: config.threads,
    onStep: (step) => logger.debug({ step, dir }, 'loading model'),
  })
  const model = new TabularModel(loaded.manifest, loaded.backend)
  logger.info({ model: `${loaded.manifest.name}@${loaded.manifest.version}`, backend: loaded.backend.kind, selfTestVectors: loaded.selfTest.vectors }, 'model loaded and self-tested')

  const controller = new AbortController()
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)

  const out: Writable | undefined = config.format === 'none' ? undefined : config.out ? createWriteStream(config.out, { highWaterMark: OUT_BUFFER_BYTES }) : process.stdout
  if (out) out.on('error', (err) => { logger.error({ err: err.message }, 'cannot write predictions'); controller.abort() })
  const sink: PredictionSink = !out ? { write() {}, async close() {} } : config.format === 'pretty' ? new PrettySink(out) : new JsonlSink(out, out !== process.stdout)

  const logged = new Map<string, number>()
  const onReject = (r: Rejection): void => {
    const n = (logged.get(r.code) ?? 0) + 1
    logged.set(r.code, n)
    if (n <= LOGGED_REJECTIONS_PER_CODE) logger.warn({ code: r.code, where: r.where }, `reading rejected: ${r.message}`)
    if (n === LOGGED_REJECTIONS_PER_CODE) logger.warn({ code: r.code }, 'further rejections with this code are counted, not logged')
  }

  const stats = new AgentStats()
  try {
    await runPipeline({
      model,
      sources: buildSources(config, logger),
      sink,
      batchSize: config.batchSize,
      batchWaitMs: config.batchWaitMs,
      queueSize: config.queueSize,
      scores: config.scores,
      signal: controller.signal,
      logger,
      onReject,
      stats,
    })
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await sink.close()
    await loaded.backend.close()
  }
  if (config.summary || stats.rejectedTotal > 0) {
    process.stderr.write(io.json ? `${JSON.stringify(stats)}\n` : formatSummary(stats, `${loaded.manifest.name}@${loaded.manifest.version}`, loaded.backend.kind))
  }
  return stats
}

function buildSources(config: Readonly<RunConfig>, logger: Logger): Source[] {
  const columnOptions = {
    ...(config.columns ? { columns: config.columns } : {}),
    ...(config.idColumn ? { idColumn: config.idColumn } : {}),
    ...(config.labelColumn ? { labelColumn: config.labelColumn } : {}),
  }
  const rate = config.rate ? { rate: config.rate } : {}
  const sources: Source[] = [
    ...config.csv.map((path) => new CsvSource({ path, header: config.header, parseInWorker: config.parseWorker, ...columnOptions, ...rate })),
    ...config.jsonl.map((path) => new JsonlSource({ path, ...rate })),
  ]
  if (config.stdin) sources.push(new JsonlSource({ path: '-', ...rate }))
  if (config.mqttUrl) {
    if (!config.mqttTopic) throw new AgentError('AGENT_USAGE', '--mqtt-url needs --mqtt-topic (the filter your sensors publish to, e.g. ef/v1/sensors/<device>/+)')
    sources.push(new MqttSource({ url: config.mqttUrl, topic: config.mqttTopic, username: config.mqttUsername, password: config.mqttPassword, logger }))
  }
  return sources
}
