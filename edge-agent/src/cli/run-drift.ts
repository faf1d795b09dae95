import { createWriteStream } from 'node:fs'
import type { Manifest } from '@edgefleet/protocol'
import type { DriftFigures, DriftMonitor } from '../drift/drift-monitor.ts'
import { DriftPublisher } from '../drift/drift-publisher.ts'
import { monitorForModel } from '../drift/monitor-for-model.ts'
import type { Logger } from '../errors.ts'
import type { HubLink } from '../uplink/hub-link.ts'
import type { RunConfig } from './run-config.ts'

/** Drift monitoring of one `run`: the monitor the pipeline feeds, and where its windows go. */
export interface RunDrift {
  monitor: DriftMonitor
  /** where windows go from now on: the hub link (when there is one) and --drift-out; call before readings flow */
  attach(link: HubLink | undefined): void
  /** closes the last window, judges it, and ends the --drift-out file */
  close(): Promise<void>
  figures(): DriftFigures & { sent: number; written: number }
}

/**
 * Sets up drift monitoring for `run`, and calibrates the thresholds for the configured window size
 * now (about a second for 128 features), as part of getting the model ready: no batch then waits for
 * them. A change of drift state is logged and re-published in the status. `undefined` when the
 * package has no reference statistics (logged once).
 */
export async function prepareRunDrift(config: Readonly<RunConfig>, manifest: Manifest, modelFeatures: readonly string[], logger: Logger): Promise<RunDrift | undefined> {
  let publisher: DriftPublisher | undefined
  let link: HubLink | undefined
  const monitor = monitorForModel(manifest, modelFeatures, {
    windowSamples: config.driftWindowSamples,
    windowSeconds: config.driftWindowSeconds,
    publish: (content) => publisher?.publish(content),
    onStateChange: (state) => {
      logger.info({ state: state.state, kinds: state.kinds, features: state.features.slice(0, 10), windows: state.windows }, `drift state: ${state.state}`)
      link?.publishStatus()
    },
    logger,
  })
  if (!monitor) return undefined
  const t0 = performance.now()
  await monitor.warm()
  logger.debug({ ms: Math.round(performance.now() - t0), windowSamples: monitor.windowSize.samples }, 'drift thresholds calibrated')
  return {
    monitor,
    attach(hub) {
      link = hub
      const out = config.driftOut ? createWriteStream(config.driftOut) : undefined
      out?.on('error', (err) => logger.error({ err: err.message, file: config.driftOut }, 'cannot write drift summaries'))
      publisher = new DriftPublisher({ model: manifest, uplink: hub, out, ownsOut: true, deviceId: config.deviceId, logger })
      logger.info({ ...monitor.windowSize, hub: hub !== undefined, out: config.driftOut }, 'monitoring drift')
    },
    async close() {
      monitor.close()
      await publisher?.close()
    },
    figures: () => ({ ...monitor.figures(), sent: publisher?.sent ?? 0, written: publisher?.written ?? 0 }),
  }
}
