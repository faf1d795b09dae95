import { join } from 'node:path'
import type { DeployEvent } from '@edgefleet/protocol'
import type { BackendKind } from './backends/backend.ts'
import { closeHubUplink, openHubUplink, teeSink, type HubUplink } from './cli/hub-uplink.ts'
import { samplingEnabled, type RunConfig } from './cli/run-config.ts'
import { createRunDrift } from './cli/run-drift.ts'
import type { ActivationContext } from './deploy/activation.ts'
import { Deployer } from './deploy/deployer.ts'
import { ModelStore } from './deploy/model-store.ts'
import type { DriftFigures } from './drift/drift-monitor.ts'
import { silentLogger, type Logger } from './errors.ts'
import { ModelSlot, type ServedRef } from './pipeline/model-slot.ts'
import { runPipeline } from './pipeline/pipeline.ts'
import { AgentStats } from './pipeline/stats.ts'
import { statusDescriber } from './serving/agent-status.ts'
import { configSources } from './serving/config-sources.ts'
import { readHubPublicKey } from './serving/hub-public-key.ts'
import { resolveDeviceIdentity } from './provisioning/device-identity.ts'
import { AgentSampling, type SamplingFigures } from './sampling/agent-sampling.ts'
import { checkSourcesFit } from './pipeline/source-fit.ts'
import { rejectionLogger } from './serving/rejection-logger.ts'
import { serveModel, type AgentServedModel } from './serving/served-model.ts'
import { slotHost } from './serving/slot-host.ts'
import { loadStartupModel, loadStartupShadow } from './serving/startup-model.ts'
import type { PredictionSink } from './sinks/sink.ts'
import type { Source } from './sources/source.ts'
import type { HubLink, UplinkFigures } from './uplink/hub-link.ts'
import { readTrustedCa, trustingDispatcher } from './uplink/hub-tls.ts'

/** Options of {@link startAgent}. */
export interface AgentOptions {
  logger?: Logger
  /** where predictions go besides the hub (the CLI's stdout or --out file); nowhere else by default */
  sink?: PredictionSink
  /** read these instead of the configuration's files, stdin and MQTT broker */
  sources?: readonly Source[]
  /** sees every deploy event of the agent's model activations */
  onDeployEvent?: (e: DeployEvent) => void
  /** download retries and progress interval (tests shorten them) */
  download?: ActivationContext['download']
  /** wall clock of training samples and delayed labels, ms (tests: a clock ahead makes pending labels due) */
  now?: () => number
}

/** What a finished run did, for its summary. */
export interface AgentReport {
  stats: AgentStats
  /** the model served last */
  model: ServedRef
  backend: BackendKind
  uplink?: UplinkFigures
  drift?: DriftFigures & { sent: number; written: number }
  /** training samples and delayed labels, with `--hub` and sampling on */
  samples?: SamplingFigures
}

/** A running agent. */
export interface AgentHandle {
  /** resolves when the sources have ended (or {@link stop}) and everything is flushed; rejects when the hub refused the device */
  readonly done: Promise<AgentStats>
  readonly stats: AgentStats
  /** the hub link, with `--hub` */
  readonly link: HubLink | undefined
  /** applies the hub's desired states, with `--hub` */
  readonly deployer: Deployer | undefined
  /** the model served now */
  served(): ServedRef
  /** stops reading, drains and closes; a call once reading has ended cuts the outbox drain short (the rest is sent on the next run) */
  stop(): void
  /** figures of the run for its summary (complete once `done` has settled) */
  report(): AgentReport
}

/**
 * Starts an agent in this process: picks the model (the store's activated version, else
 * `--model`), loads and self-tests it, opens the hub link, applies desired states as they come and
 * serves the configured sources. Registers no signal handlers and writes nothing to stdout, so one
 * process can run many agents (each with its own state directory).
 */
export async function startAgent(given: Readonly<RunConfig>, o: AgentOptions = {}): Promise<AgentHandle> {
  const logger = o.logger ?? silentLogger
  // --ca: the hub's private CA, for mqtts/wss (the claim and the hub link) and https (model downloads)
  const ca = given.ca ? await readTrustedCa(given.ca) : undefined
  // flashed with a claim token: the identity saved by an earlier start, or claimed from the hub now
  const config = await resolveDeviceIdentity(given, logger, { ca })
  // without --hub the state directory is used only when named: a plain replay creates nothing on disk
  const stateDir = config.stateDir ?? (config.hub && config.deviceId ? join('.edgefleet-agent', config.deviceId) : undefined)
  const publicKeyPem = config.hubPublicKey ? await readHubPublicKey(config.hubPublicKey) : undefined
  const sources = o.sources ?? configSources(config, logger)
  const store = stateDir ? await ModelStore.open(join(stateDir, 'models'), logger) : undefined
  const loadOptions = { backend: config.backend, threads: config.threads }
  const start = await loadStartupModel(store, config.model, { ...loadOptions, onStep: (step) => logger.debug({ step }, 'loading model') }, logger)
  try {
    // before calibrating drift thresholds or reaching the hub: frames to a tabular model (or readings to an image model) cannot work
    checkSourcesFit(sources, { manifest: start.loaded.manifest, input: start.loaded.manifest.inputs[0]?.kind === 'image' ? 'image' : 'tabular' })
  } catch (err) {
    await start.loaded.backend.close()
    throw err
  }
  const drift = config.drift ? createRunDrift(config, logger) : undefined
  let slot: ModelSlot | undefined
  const serve = (pkg: Parameters<typeof serveModel>[0]): Promise<AgentServedModel> => serveModel(pkg, { drift, check: (m) => slot?.check(m) })
  try {
    // calibrates the drift thresholds before the run's clock starts: part of getting the model ready
    slot = new ModelSlot(await serve({ manifest: start.loaded.manifest, backend: start.loaded.backend, dir: start.dir }))
  } catch (err) {
    await start.loaded.backend.close()
    throw err
  }
  const served = slot
  const serveShadow = (pkg: Parameters<typeof serveModel>[0]): Promise<AgentServedModel> => serveModel(pkg, { check: (m) => served.check(m) })
  const shadow = await loadStartupShadow(store, loadOptions, logger)
  if (shadow) {
    const candidate = await serveShadow({ manifest: shadow.loaded.manifest, backend: shadow.loaded.backend, dir: shadow.dir }).catch(async (err: Error) => {
      await shadow.loaded.backend.close()
      logger.warn({ dir: shadow.dir }, `the shadow model cannot run beside the served one: ${err.message}`)
    })
    if (candidate) await served.setShadow(candidate)
  }
  const { manifest } = start.loaded
  logger.info({ model: `${manifest.name}@${manifest.version}`, backend: start.loaded.backend.kind, selfTestVectors: start.loaded.selfTest.vectors, from: start.from }, 'model loaded and self-tested')

  const stats = new AgentStats()
  let hub: HubUplink | undefined
  let sampling: AgentSampling | undefined
  try {
    hub = config.hub ? await openHubUplink({ ...config, stateDir }, statusDescriber(served, stats, () => hub?.sink.refused ?? 0), logger, ca) : undefined
    // training samples go to the hub only; pending labels live in the state directory, beside the outbox.
    // Image models upload none: a frame is too large for MQTT and no frame store exists yet (Sample.imageRef)
    if (hub && served.input === 'image' && samplingEnabled(config)) {
      logger.info({ model: manifest.name }, 'training samples are not uploaded for image models (frames do not fit in MQTT messages); predictions and drift windows still go to the hub')
    }
    sampling = hub && stateDir && served.input !== 'image'
      ? AgentSampling.open(config, { uplink: hub.link, stateDir, drifting: () => (served.current as AgentServedModel).drift?.state().state === 'drifting', logger, logIntervalMs: config.statusInterval * 1000, ...(o.now ? { now: o.now } : {}) })
      : undefined
  } catch (err) {
    await hub?.link.close({ timeoutMs: 0 })
    await served.close()
    throw err
  }
  drift?.attach(hub?.link)
  const controller = new AbortController()
  const cut = new AbortController()
  // the hub refused the device (wrong secret): stop reading, and fail with its error below
  hub?.link.on('fatal', () => controller.abort())

  let dispatcher: ReturnType<typeof trustingDispatcher> | undefined
  const deployer = hub && store
    ? new Deployer({
        store,
        host: slotHost(served, { serve, serveShadow, logger, onSwapped: () => hub?.link.publishStatus() }),
        uplink: hub.link,
        onEvent: o.onDeployEvent,
        publicKeyPem,
        credentials: { deviceId: config.deviceId!, secret: config.secret! },
        maxModelBytes: Math.round(config.maxModelMb * 1024 * 1024),
        backend: config.backend,
        threads: config.threads,
        download: ca ? { ...o.download, dispatcher: (dispatcher = trustingDispatcher(ca)) } : o.download,
        logger,
      })
    : undefined
  if (deployer && hub) {
    if (!publicKeyPem) logger.warn({}, 'no --hub-public-key: models the hub sends will be refused (AGENT_SIGNATURE_INVALID); `edgefleet device add` prints the key')
    deployer.attach(hub.link)
    deployer.resume()
  }

  const local = o.sink ?? { write() {}, async close() {} }
  const sink = hub ? teeSink(hub.sink, local) : local
  const running = runPipeline({
    slot: served,
    sources,
    sink,
    batchSize: config.batchSize,
    batchWaitMs: config.batchWaitMs,
    queueSize: config.queueSize,
    scores: config.scores,
    signal: controller.signal,
    logger,
    onReject: rejectionLogger(logger),
    stats,
    ...(sampling ? { onPredicted: sampling.observe.bind(sampling) } : {}),
  })
  // a refused device ends the run at once, even while a source waits for input that may never come
  // (stdin held open, a sensor broker still connecting); the pipeline's late outcome is then moot
  running.catch(() => {})
  let reading = true
  void running.finally(() => (reading = false)).catch(() => {})

  let uplinkFigures: UplinkFigures | undefined
  const done = (async () => {
    try {
      await (hub ? Promise.race([running, failureOf(hub.link)]) : running)
    } finally {
      await deployer?.close()
      await dispatcher?.close()
      await sink.close()
      // after a refusal the pipeline may still be inside a source: its session stays until the process exits
      if (!hub?.link.failure) await served.close()
      // the last, partial drift window went into the outbox above, before it drains
      await drift?.close()
      // the last samples and the labels due now go into the outbox before it drains
      closeSampling(sampling, logger)
      if (hub) uplinkFigures = await closeHubUplink(hub.link, logger, cut.signal)
    }
    if (hub?.link.failure) throw hub.link.failure
    return stats
  })()

  return {
    done,
    stats,
    link: hub?.link,
    deployer,
    served: () => ({ ...served.current.ref }),
    stop() {
      if (reading && !controller.signal.aborted) return controller.abort()
      if (!cut.signal.aborted && hub) logger.warn({}, 'stopping now: unsent messages stay in the outbox for the next run')
      cut.abort()
    },
    report() {
      const current = served.current as AgentServedModel
      return {
        stats,
        model: { ...current.ref },
        backend: current.model.backend.kind,
        ...(uplinkFigures ? { uplink: uplinkFigures } : {}),
        ...(drift && current.drift ? { drift: drift.figures(current.drift) } : {}),
        ...(sampling ? { samples: sampling.figures() } : {}),
      }
    },
  }
}

/** Closes sampling at the end of a run; a failure to write its journal is logged, and the outbox still drains. */
function closeSampling(sampling: AgentSampling | undefined, logger: Logger): void {
  try {
    sampling?.close()
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'training samples: closing failed; the pending labels are recovered from the journal on the next run')
  }
}

/** Rejects with the link's error when the hub refuses the device; otherwise never settles. */
function failureOf(link: HubLink): Promise<never> {
  return link.failure ? Promise.reject(link.failure) : new Promise((_resolve, reject) => link.once('fatal', reject))
}
