import fp from 'fastify-plugin'
import { HubError } from '../errors.ts'
import { hubPaths } from '../paths.ts'
import type { RegistryStore } from '../registry/registry-store.ts'
import { SqliteRegistry } from '../registry/sqlite-registry.ts'
import { openTelemetry } from '../telemetry/open-telemetry.ts'
import type { TelemetryStore } from '../telemetry/telemetry-store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    registry: RegistryStore
    telemetry: TelemetryStore
  }
}

export interface StoresOptions {
  dataDir: string
  /** `sqlite` or an InfluxDB URL */
  telemetry: string
  retentionDays: number
  /** stores opened by the caller (tests); closed by their owner */
  registry?: RegistryStore
  telemetryStore?: TelemetryStore
}

/** Opens the registry and telemetry stores in the data directory; closes them when the app closes. */
export const storesPlugin = fp<StoresOptions>(async (app, o) => {
  const paths = hubPaths(o.dataDir)
  const registry = o.registry ?? (await SqliteRegistry.open(paths.registry))
  let telemetry: TelemetryStore
  try {
    telemetry = o.telemetryStore ?? (await openTelemetry(o.telemetry, paths))
  } catch (cause) {
    if (!o.registry) await registry.close()
    throw cause instanceof HubError ? cause : new HubError('HUB_TELEMETRY_UNAVAILABLE', `cannot open telemetry store ${o.telemetry}: ${(cause as Error).message}`, { cause })
  }
  await telemetry.setRetention(o.retentionDays)
  await registry.markAllOffline(Date.now())
  app.decorate('registry', registry)
  app.decorate('telemetry', telemetry)
  app.addHook('onClose', async () => {
    if (!o.telemetryStore) await telemetry.close()
    if (!o.registry) await registry.close()
  })
}, { name: 'stores' })
