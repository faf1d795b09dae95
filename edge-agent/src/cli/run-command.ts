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
import { ShuffledSource } from '../sources/shuffled-source.ts'
import type { Rejection, Source } from '../sources/source.ts'
import type { HubLink, UplinkFigures } from '../uplink/hub-link.ts'
import { closeHubUplink, formatUplinkSummary, openHubUplink, teeSink, type HubUplink } from './hub-uplink.ts'
import type { RunConfig } from './run-config.ts'
import { prepareRunDrift, type RunDrift } from './run-drift.ts'
import { formatDriftSummary, formatSummary } from './summary.ts'

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

  let drift: RunDrift | undefined
  try {
    // calibrates the drift thresholds before the run's clock starts: part of getting the model ready
    drift = config.drift ? await prepareRunDrift(config, loaded.manifest, model.features, logger) : undefined
  } catch (err) {
    await loaded.backend.close()
    throw err
  }

  const stats = new AgentStats()
  let uplink: HubUplink | undefined
  try {
    uplink = config.hub ? await openHubUplink(config, loaded.manifest, loaded.backend.kind, stats, logger, () => drift?.monitor.state()) : undefined
  } catch (err) {
    await loaded.backend.close()
    throw err
  }
  drift?.attach(uplink?.link)

  const controller = new AbortController()
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  // the hub refused the device (wrong secret): stop reading, and exit with its error below
  uplink?.link.on('fatal', stop)

  const out: Writable | undefined = config.format === 'none' ? undefined : config.out ? createWriteStream(config.out, { highWaterMark: OUT_BUFFER_BYTES }) : process.stdout
  if (out) out.on('error', (err) => { logger.error({ err: err.message }, 'cannot write predictions'); controller.abort() })
  const local: PredictionSink = !out ? { write() {}, async close() {} } : config.format === 'pretty' ? new PrettySink(out) : new JsonlSink(out, out !== process.stdout)
  const sink = uplink ? teeSink(uplink.sink, local) : local

  const logged = new Map<string, number>()
  const onReject = (r: Rejection): void => {
    const n = (logged.get(r.code) ?? 0) + 1
    logged.set(r.code, n)
    if (n <= LOGGED_REJECTIONS_PER_CODE) logger.warn({ code: r.code, where: r.where }, `reading rejected: ${r.message}`)
    if (n === LOGGED_REJECTIONS_PER_CODE) logger.warn({ code: r.code }, 'further rejections with this code are counted, not logged')
  }

  let figures: UplinkFigures | undefined
  try {
    const running = runPipeline({
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
      ...(drift ? { observe: (records, output) => drift!.monitor.observe(records, output) } : {}),
    })
    // a refused device ends the run at once, even while a source waits for input that may never come
    // (stdin held open, a sensor broker still connecting); the pipeline's late outcome is then moot
    running.catch(() => {})
    await (uplink ? Promise.race([running, failureOf(uplink.link)]) : running)
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await sink.close()
    // the last, partial window goes into the outbox before it drains
    await drift?.close()
    if (uplink) figures = await closeHubUplink(uplink.link, logger)
    // after a refusal the pipeline may still be inside a source: its session stays until the process exits
    if (!uplink?.link.failure) await loaded.backend.close()
  }
  if (uplink?.link.failure) throw uplink.link.failure
  if (config.summary || stats.rejectedTotal > 0 || (figures && figures.dropped > 0)) {
    const name = `${loaded.manifest.name}@${loaded.manifest.version}`
    const driftFigures = drift?.figures()
    process.stderr.write(io.json
      ? `${JSON.stringify({ ...stats.toJSON(), ...(figures ? { uplink: figures } : {}), ...(driftFigures ? { drift: driftFigures } : {}) })}\n`
      : formatSummary(stats, name, loaded.backend.kind) + (driftFigures ? formatDriftSummary(driftFigures) : '') + (figures ? formatUplinkSummary(figures) : ''))
  }
  return stats
}

/** Rejects with the link's error when the hub refuses the device; otherwise never settles. */
function failureOf(link: HubLink): Promise<never> {
  return link.failure ? Promise.reject(link.failure) : new Promise((_resolve, reject) => link.once('fatal', reject))
}

function buildSources(config: Readonly<RunConfig>, logger: Logger): Source[] {
  const columnOptions = {
    ...(config.columns ? { columns: config.columns } : {}),
    ...(config.idColumn ? { idColumn: config.idColumn } : {}),
    ...(config.labelColumn ? { labelColumn: config.labelColumn } : {}),
  }
  // a shuffled replay reads the files unpaced and paces the replay itself
  const rate = config.rate && config.shuffle === undefined ? { rate: config.rate } : {}
  const files: Source[] = [
    ...config.csv.map((path) => new CsvSource({ path, header: config.header, parseInWorker: config.parseWorker, ...columnOptions, ...rate })),
    ...config.jsonl.map((path) => new JsonlSource({ path, ...rate })),
  ]
  const sources: Source[] = config.shuffle === undefined || files.length === 0
    ? files
    : [new ShuffledSource({ sources: files, seed: config.shuffle, ...(config.rate ? { rate: config.rate } : {}) })]
  if (config.stdin) sources.push(new JsonlSource({ path: '-', ...rate }))
  if (config.mqttUrl) {
    if (!config.mqttTopic) throw new AgentError('AGENT_USAGE', '--mqtt-url needs --mqtt-topic (the filter your sensors publish to, e.g. ef/v1/sensors/<device>/+)')
    sources.push(new MqttSource({ url: config.mqttUrl, topic: config.mqttTopic, username: config.mqttUsername, password: config.mqttPassword, logger }))
  }
  return sources
}
