import type { Logger } from '../errors.ts'
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

/** Opens the link to the hub for `run`; `describe` says what each status message reports about the agent. */
export async function openHubUplink(config: Readonly<RunConfig>, describe: () => StatusDetails, logger: Logger, ca?: string): Promise<HubUplink> {
  const link = await HubLink.create({
    url: config.hub!,
    ca,
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
  const sink = new HubPredictionSink(link, { logger })
  logger.info({ hub: config.hub, deviceId: config.deviceId }, 'sending predictions to the hub')
  return { link, sink }
}

/**
 * Closes the link at the end of a run: drains the outbox for up to --drain-timeout, or until `cut`
 * aborts (a second stop); what is left is sent on the next run.
 */
export async function closeHubUplink(link: HubLink, logger: Logger, cut?: AbortSignal): Promise<UplinkFigures> {
  const { left } = link.figures()
  if (left > 0 && !link.failure) logger.info({ left, connected: link.connected }, 'readings done; sending what the outbox holds')
  return link.close({ signal: cut })
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
