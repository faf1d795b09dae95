import { HubError } from '../errors.ts'
import type { HubPaths } from '../paths.ts'
import { InfluxTelemetry } from './influx-telemetry.ts'
import { SqliteTelemetry } from './sqlite-telemetry.ts'
import type { TelemetryStore } from './telemetry-store.ts'

/**
 * Opens the telemetry store a hub is configured with: `sqlite` (the default, `paths.telemetry` in the
 * data directory) or an InfluxDB 1.x URL `http(s)://host:port/database`.
 */
export async function openTelemetry(spec: string, paths: Pick<HubPaths, 'telemetry'>): Promise<TelemetryStore> {
  if (spec === '' || spec === 'sqlite') return SqliteTelemetry.open(paths.telemetry)
  if (/^https?:\/\//i.test(spec)) return InfluxTelemetry.open(spec)
  throw new HubError(
    'HUB_CONFIG_INVALID',
    `unknown telemetry store ${JSON.stringify(spec)}: use sqlite or an InfluxDB URL such as http://127.0.0.1:8086/edgefleet`,
  )
}
