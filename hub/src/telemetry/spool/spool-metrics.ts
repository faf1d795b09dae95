import { Counter, Gauge, type Registry } from 'prom-client'
import type { SpoolStats } from './spooling-telemetry.ts'

/** Registers the telemetry spool's metrics on `registry`, read from `stats` at each scrape. */
export function registerSpoolMetrics(registry: Registry, stats: SpoolStats): void {
  const counter = (name: string, help: string, read: () => number): void => {
    let reported = 0
    new Counter({
      name, help, registers: [registry],
      collect() {
        const now = read()
        this.inc(now - reported)
        reported = now
      },
    })
  }
  counter('edgefleet_telemetry_spooled_total', 'Telemetry points spooled to disk because the telemetry database was unreachable (acknowledged to devices)', () => stats.spooled)
  counter('edgefleet_telemetry_replayed_total', 'Spooled telemetry points since written to the telemetry database', () => stats.replayed)
  counter('edgefleet_telemetry_spool_refused_total', 'Telemetry points refused because the spool was full (not acknowledged: devices keep and resend them)', () => stats.refused)
  new Gauge({
    name: 'edgefleet_telemetry_spool_depth', help: 'Telemetry points waiting in the spool for the telemetry database', registers: [registry],
    collect() {
      this.set(stats.depth)
    },
  })
}
