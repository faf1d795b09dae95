import type { DriftState, Manifest } from '@edgefleet/protocol'
import type { BackendKind } from '../backends/backend.ts'
import type { Logger } from '../errors.ts'
import type { AgentStats } from '../pipeline/stats.ts'
import type { PredictionSink } from '../sinks/sink.ts'
import { HubLink, type UplinkFigures } from '../uplink/hub-link.ts'
import { HubPredictionSink } from '../uplink/hub-sink.ts'
import type { StatusDetails } from '../uplink/status.ts'
import type { RunConfig } from './run-config.ts'

/** The hub side of `run --hub`: the link and the sink that feeds it. */
export interface HubUplink {
  link: HubLink
  sink: HubPredictionSink
}

/** Opens the link to the hub for `run`; status messages describe the model, backend, the run's counters and the drift state. */
export async function openHubUplink(config: Readonly<RunConfig>, manifest: Manifest, backend: BackendKind, stats: AgentStats, logger: Logger, drift: () => DriftState | undefined = () => undefined): Promise<HubUplink> {
  let sink: HubPredictionSink | undefined
  let last = { predictions: 0, inferenceMs: 0 }
  const describe = (): StatusDetails => {
    const n = stats.predictions - last.predictions
    const latencyMs = n > 0 ? (stats.inferenceMs - last.inferenceMs) / n : undefined
    last = { predictions: stats.predictions, inferenceMs: stats.inferenceMs }
    const driftState = drift()
    return {
      backend,
      model: { name: manifest.name, version: manifest.version, sha256: manifest.model.sha256 },
      counters: { predictions: stats.predictions, invalidReadings: stats.rejectedTotal - stats.dropped, droppedReadings: stats.dropped, errors: sink?.refused ?? 0 },
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      ...(driftState ? { drift: driftState } : {}),
    }
  }
  const link = await HubLink.create({
    url: config.hub!,
    deviceId: config.deviceId!,
    secret: config.secret!,
    stateDir: config.stateDir,
    keepaliveS: config.keepalive,
    statusIntervalS: config.statusInterval,
    outboxMaxBytes: Math.round(config.outboxMaxMb * 1024 * 1024),
    drainTimeoutMs: config.drainTimeout * 1000,
    describe,
    logger,
  })
  sink = new HubPredictionSink(link, { logger })
  logger.info({ hub: config.hub, deviceId: config.deviceId }, 'sending predictions to the hub')
  return { link, sink }
}

/**
 * Closes the link at the end of a run: drains the outbox for up to --drain-timeout; a second
 * SIGINT/SIGTERM cuts the drain short (what is left is sent on the next run).
 */
export async function closeHubUplink(link: HubLink, logger: Logger): Promise<UplinkFigures> {
  const cut = new AbortController()
  const onSignal = (): void => {
    logger.warn({}, 'stopping now: unsent messages stay in the outbox for the next run')
    cut.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const { left } = link.figures()
  if (left > 0 && !link.failure) logger.info({ left, connected: link.connected }, 'readings done; sending what the outbox holds')
  try {
    return await link.close({ signal: cut.signal })
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** Writes each batch to both sinks, hub first (so a printed prediction is already in the outbox). */
export function teeSink(first: PredictionSink, second: PredictionSink): PredictionSink {
  return {
    write(batch, model) {
      const a = first.write(batch, model)
      const b = second.write(batch, model)
      if (a || b) return Promise.all([a, b]).then(() => undefined)
    },
    async close() {
      await Promise.all([first.close(), second.close()])
    },
  }
}

/** One summary line about the hub link. */
export function formatUplinkSummary(f: UplinkFigures): string {
  const dropped = f.dropped > 0 ? ` (${Object.entries(f.droppedByChannel).map(([c, n]) => `${c} ×${n}`).join(', ')})` : ''
  return `  hub: ${f.enqueued} message(s) enqueued, ${f.sent} sent, ${f.dropped} dropped${dropped}, ${f.left} left in the outbox\n`
}
