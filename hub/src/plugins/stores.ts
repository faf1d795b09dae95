import fp from 'fastify-plugin'
import { HubError } from '../errors.ts'
import { hubPaths } from '../paths.ts'
import type { RegistryStore } from '../registry/registry-store.ts'
import { describeRegistry, openRegistry } from '../registry/open-registry.ts'
import { openTelemetry } from '../telemetry/open-telemetry.ts'
import { registerSpoolMetrics } from '../telemetry/spool/spool-metrics.ts'
import { SpoolingTelemetry } from '../telemetry/spool/spooling-telemetry.ts'
import { withSpool } from '../telemetry/spool/with-spool.ts'
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
  /** InfluxDB telemetry: points spooled on disk while it is unreachable (0 = no spool; see `telemetrySpoolMaxPoints`) */
  telemetrySpoolMaxPoints?: number
  /** one of several instances sharing a data directory: its own spool file (`telemetry-spool-<id>.db`) */
  spoolInstanceId?: string | undefined
  /** a PostgreSQL registry (postgres://…) instead of the SQLite file in dataDir */
  registryUrl?: string
  /** with registryUrl: connections held at most */
  registryPoolSize?: number
  /** true: leave devices' presence as stored at start (another hub instance may serve them now) */
  keepPresence?: boolean
  /** stores opened by the caller (tests); closed by their owner */
  registry?: RegistryStore
  telemetryStore?: TelemetryStore
}

/** Opens the registry and telemetry stores in the data directory; closes them when the app closes. */
export const storesPlugin = fp<StoresOptions>(async (app, o) => {
  const paths = hubPaths(o.dataDir)
  const where = { dataDir: o.dataDir, registryUrl: o.registryUrl, registryPoolSize: o.registryPoolSize }
  const registry = o.registry ?? (await openRegistry({
    ...where,
    onIdleError: (err) => app.log.warn({ err: err.message }, `PostgreSQL registry ${describeRegistry(where)} dropped an idle connection; it is replaced on next use`),
  }))
  let telemetry: TelemetryStore
  try {
    telemetry = o.telemetryStore ?? (await withSpool(await openTelemetry(o.telemetry, paths), { dataDir: paths.dataDir, maxPoints: o.telemetrySpoolMaxPoints ?? 0, instanceId: o.spoolInstanceId, logger: app.log }))
  } catch (cause) {
    if (!o.registry) await registry.close()
    throw cause instanceof HubError ? cause : new HubError('HUB_TELEMETRY_UNAVAILABLE', `cannot open telemetry store ${o.telemetry}: ${(cause as Error).message}`, { cause })
  }
  await telemetry.setRetention(o.retentionDays)
  // one hub alone: nobody is connected before it starts. One of several instances (--shared-group): the
  // others' devices are, and their retained statuses and last wills keep presence right
  if (!o.keepPresence) await registry.markAllOffline(Date.now())
  app.decorate('registry', registry)
  app.decorate('telemetry', telemetry)
  // the metrics registry belongs to the broker plugin, registered later
  if (telemetry instanceof SpoolingTelemetry) app.addHook('onReady', async () => {
      if (app.metrics) registerSpoolMetrics(app.metrics.registry, telemetry.stats)
    })
  app.addHook('onClose', async () => {
    if (!o.telemetryStore) await telemetry.close()
    if (!o.registry) await registry.close()
  })
}, { name: 'stores' })
