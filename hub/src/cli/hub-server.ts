import type { FastifyInstance } from 'fastify'
import { build } from '../app.ts'
import type { HubConfig } from '../config.ts'
import { redactUrl } from '../broker/first-connect.ts'
import { HubError } from '../errors.ts'

/** A running hub: its app and where it listens. */
export interface RunningHub {
  app: FastifyInstance
  config: Readonly<HubConfig>
  httpUrl: string
  /** where devices connect: the embedded broker's TCP listener, or the external broker (`--broker`) */
  mqttUrl: string
  /** the embedded broker's WebSocket listener; null with an external broker */
  wsUrl: string | null
  close(): Promise<void>
}

/** Builds and starts a hub (HTTP, MQTT over TCP and WebSocket). Used by `edgefleet hub` and `edgefleet demo`. */
export async function startHub(config: Readonly<HubConfig>): Promise<RunningHub> {
  const app = await build({ config, logger: config.logLevel === 'silent' ? false : { level: config.logLevel, stream: process.stderr } })
  try {
    await app.listen({ host: config.host, port: config.httpPort }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') throw new HubError('HUB_PORT_IN_USE', `port ${config.httpPort} on ${config.host} is already in use: stop what uses it or pick another with --http-port`, { cause: err })
      throw err
    })
    const ports = await app.broker.start()
    // the once-only work (republishing retained alerts and desired states, rollouts, webhooks, retraining)
    // starts here when this instance leads: always for one hub alone (plugins/cluster.ts)
    await app.cluster.start()
    const address = app.server.address()
    const tls = config.tlsCert !== undefined
    const httpPort = typeof address === 'object' && address ? address.port : config.httpPort
    return {
      app,
      config,
      httpUrl: `${tls ? 'https' : 'http'}://${config.host}:${httpPort}`,
      mqttUrl: config.broker ? redactUrl(config.broker) : `${tls ? 'mqtts' : 'mqtt'}://${config.host}:${ports.mqttPort}`,
      wsUrl: config.broker ? null : `${tls ? 'wss' : 'ws'}://${config.host}:${ports.wsPort}/mqtt`,
      close: () => app.close(),
    }
  } catch (err) {
    await app.close()
    throw err
  }
}

/**
 * Resolves when SIGINT or SIGTERM arrives. While the caller shuts down, a repeat of the signal within
 * a second is ignored (a terminal's Ctrl-C reaches every process of the group, and npm and pnpm
 * forward it again); a later one forces an exit, for a shutdown that hangs.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first = 0
    const on = (signal: NodeJS.Signals): void => {
      if (first === 0) {
        first = Date.now()
        resolve(signal)
      } else if (Date.now() - first > 1000) {
        process.stderr.write(`${signal} again: exiting without finishing the shutdown\n`)
        process.exit(130)
      }
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}
