import { createWriteStream, type WriteStream } from 'node:fs'
import type { Manifest } from '@edgefleet/protocol'
import type { DriftFigures, DriftMonitor } from '../drift/drift-monitor.ts'
import { DriftPublisher } from '../drift/drift-publisher.ts'
import { monitorForModel } from '../drift/monitor-for-model.ts'
import type { Logger } from '../errors.ts'
import type { HubLink } from '../uplink/hub-link.ts'
import type { RunConfig } from './run-config.ts'

/** Drift monitoring of one `run`: a monitor per served model, and where their windows go. */
export interface RunDrift {
  /**
   * A monitor for a model, its thresholds calibrated now (about a second for 128 features), so that
   * no batch waits for them; its windows go out under that model's name and version. `undefined`
   * when the package has no reference statistics (logged).
   */
  monitorFor(manifest: Manifest, modelFeatures: readonly string[]): Promise<DriftMonitor | undefined>
  /** where windows go from now on: the hub link (when there is one) and --drift-out; call before readings flow */
  attach(link: HubLink | undefined): void
  /** ends the --drift-out file; close the served model's monitor first */
  close(): Promise<void>
  /** the run's drift figures: the given (served) monitor's state, and every window sent or written */
  figures(monitor: DriftMonitor | undefined): DriftFigures & { sent: number; written: number }
}

/**
 * Sets up drift monitoring for `run`. A change of drift state is logged and re-published in the
 * status. Windows of a model that was swapped out go out under its own name and version.
 */
export function createRunDrift(config: Readonly<RunConfig>, logger: Logger): RunDrift {
  let link: HubLink | undefined
  let out: WriteStream | undefined
  let attached = false
  const publishers: DriftPublisher[] = []
  return {
    async monitorFor(manifest, modelFeatures) {
      let publisher: DriftPublisher | undefined
      const monitor = monitorForModel(manifest, modelFeatures, {
        windowSamples: config.driftWindowSamples,
        windowSeconds: config.driftWindowSeconds,
        publish: (content) => {
          if (!publisher && attached) publishers.push((publisher = new DriftPublisher({ model: manifest, uplink: link, out, deviceId: config.deviceId, logger })))
          publisher?.publish(content)
        },
        onStateChange: (state) => {
          logger.info({ state: state.state, kinds: state.kinds, features: state.features.slice(0, 10), windows: state.windows }, `drift state: ${state.state}`)
          link?.publishStatus()
        },
        logger,
      })
      if (!monitor) return undefined
      const t0 = performance.now()
      await monitor.warm()
      logger.debug({ ms: Math.round(performance.now() - t0), windowSamples: monitor.windowSize.samples, model: `${manifest.name}@${manifest.version}` }, 'drift thresholds calibrated')
      return monitor
    },
    attach(hub) {
      link = hub
      attached = true
      out = config.driftOut ? createWriteStream(config.driftOut) : undefined
      out?.on('error', (err) => logger.error({ err: err.message, file: config.driftOut }, 'cannot write drift summaries'))
      logger.info({ hub: hub !== undefined, out: config.driftOut }, 'monitoring drift')
    },
    async close() {
      const stream = out
      if (!stream || stream.writableEnded) return
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())))
    },
    figures(monitor) {
      const none: DriftFigures = { windows: 0, judged: 0, state: 'unknown', kinds: [], features: [], drifted: 0, since: undefined }
      const sum = (k: 'sent' | 'written'): number => publishers.reduce((n, p) => n + p[k], 0)
      return { ...(monitor?.figures() ?? none), sent: sum('sent'), written: sum('written') }
    },
  }
}
