import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import fp from 'fastify-plugin'
import { DesiredService } from '../deployments/desired-service.ts'
import { DeviceHealth } from '../deployments/device-health.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** the newest health figures of every device, from its status messages */
    deviceHealth: DeviceHealth
    /** stores and publishes (retained) what each device should run */
    desired: DesiredService
  }
}

/** Device health: in memory, fed by ingest (so it is registered before the broker). */
export const deviceHealthPlugin = fp(async (app) => {
  app.decorate('deviceHealth', new DeviceHealth())
}, { name: 'device-health' })

export interface DesiredOptions {
  /** config `publicUrl` */
  publicUrl?: string | undefined
  /** config `host` */
  host: string
  /** the REST API is served over TLS: the default base URL is https */
  https?: boolean
}

/** Desired state: stored in the registry, published on the broker; republished when the hub is ready. */
export const desiredPlugin = fp<DesiredOptions>(async (app, o) => {
  const baseUrl = (): string => o.publicUrl ?? defaultBaseUrl(o.host, app.server.address() as AddressInfo | null, o.https === true)
  const desired = new DesiredService({ store: app.registry, broker: app.broker, keys: app.signingKeys, baseUrl, logger: app.log })
  app.decorate('desired', desired)
}, { name: 'desired', dependencies: ['stores', 'broker', 'signing'] })

/** `http(s)://<host>:<bound port>`; a wildcard host is not an address devices can use, so the machine's name stands in. */
function defaultBaseUrl(host: string, address: AddressInfo | null, https: boolean): string {
  if (!address) throw new Error('the hub is not listening yet: its REST URL is unknown (set publicUrl)')
  const name = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host
  return `${https ? 'https' : 'http'}://${name}:${address.port}`
}
