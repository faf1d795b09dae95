import type { Command } from 'commander'
import { HUB_DEFAULTS, loadHubConfig } from '../config.ts'

/** Adds the hub's server flags to a command. */
export function hubServerOptions(command: Command): Command {
  const d = HUB_DEFAULTS
  return command
    .option('--data-dir <dir>', `registry, embedded telemetry and keys (default ${d.dataDir})`)
    .option('--host <host>', `interface to listen on (default ${d.host})`)
    .option('--http-port <port>', `REST API, /docs, /metrics (default ${d.httpPort}; 0 = any free port)`)
    .option('--mqtt-port <port>', `MQTT over TCP (default ${d.mqttPort}; 0 = any free port)`)
    .option('--ws-port <port>', `MQTT over WebSocket at /mqtt (default ${d.wsPort}; 0 = any free port)`)
    .option('--telemetry <store>', `telemetry store: sqlite, or an InfluxDB URL such as http://127.0.0.1:8086/edgefleet (default ${d.telemetry})`)
    .option('--retention-days <days>', `keep telemetry this many days, 0 = forever (default ${d.retentionDays})`)
    .option('--config <file>', 'JSON file with any of these settings (camelCase keys); flags override it')
    .option('--log-level <level>', `fatal, error, warn, info, debug or silent (default ${d.logLevel})`)
}

/** `edgefleet hub`. */
export function registerHubCommand(program: Command): void {
  hubServerOptions(program.command('hub').description('run the hub: embedded MQTT broker (TCP and WebSocket), REST API, registry and telemetry'))
    .action(async (flags: Record<string, unknown>) => {
      const config = loadHubConfig(flags)
      // the server (fastify, aedes, SQLite) loads only for commands that run it
      const { startHub, untilSignal } = await import('./hub-server.ts')
      const hub = await startHub(config)
      process.stdout.write(
        `edgefleet hub ready\n  API      ${hub.httpUrl}/api/v1  (docs ${hub.httpUrl}/docs, metrics ${hub.httpUrl}/metrics)\n` +
          `  MQTT     ${hub.mqttUrl}\n  MQTT/WS  ${hub.wsUrl}\n  data     ${hub.config.dataDir}\nCtrl-C stops it.\n`,
      )
      const signal = await untilSignal()
      process.stdout.write(`${signal}: shutting down\n`)
      await hub.close()
    })
}
