import { join } from 'node:path'
import type { TelemetryStore } from '../telemetry-store.ts'
import { SpoolingTelemetry, type SpoolLogger } from './spooling-telemetry.ts'

/**
 * The spool file in a hub data directory; each of several instances sharing one directory has its own
 * (`telemetry-spool-<instance id>.db`), replayed when that instance runs again.
 */
export function spoolFile(instanceId?: string): string {
  return instanceId === undefined ? 'telemetry-spool.db' : `telemetry-spool-${instanceId}.db`
}

/**
 * Puts the durable spool in front of a network telemetry store (InfluxDB), unless `maxPoints` is 0;
 * the embedded SQLite store is on the hub's own disk and is returned as it is.
 */
export async function withSpool(store: TelemetryStore, o: { dataDir: string; maxPoints: number; instanceId?: string | undefined; logger?: SpoolLogger }): Promise<TelemetryStore> {
  if (store.kind !== 'influxdb' || o.maxPoints === 0) return store
  try {
    return await SpoolingTelemetry.open(store, { path: join(o.dataDir, spoolFile(o.instanceId)), maxPoints: o.maxPoints, logger: o.logger })
  } catch (err) {
    await store.close()
    throw err
  }
}
