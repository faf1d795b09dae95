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
    .option('--registry-url <url>', 'keep the registry (devices, credentials, alerts, models, rollouts, jobs) in PostgreSQL: postgres://user:password@host:5432/database, ' +
      'the database created beforehand, its tables by the hub (env EDGEFLEET_REGISTRY_URL, which keeps the password out of ps; default: SQLite in --data-dir). ' +
      'Give `edgefleet device add` and the other registry commands the same --registry-url')
    .option('--registry-pool-size <n>', `with --registry-url: PostgreSQL connections this hub holds at most (env EDGEFLEET_REGISTRY_POOL_SIZE; default ${d.registryPoolSize})`)
    .option('--telemetry-spool-max-points <n>', `with InfluxDB telemetry: while it is unreachable, up to this many points are spooled to <data-dir>/telemetry-spool.db (telemetry-spool-<instance id>.db with --shared-group), acknowledged and replayed in order when it is back (metrics edgefleet_telemetry_spooled_total, _replayed_total, _spool_depth); past that devices keep their messages until it drains; 0 = no spool (default ${d.telemetrySpoolMaxPoints})`)
    .option('--retention-days <days>', `keep telemetry this many days, 0 = forever (default ${d.retentionDays})`)
    .option('--config <file>', 'JSON file with any of these settings (camelCase keys); flags override it')
    .option('--log-level <level>', `fatal, error, warn, info, debug or silent (default ${d.logLevel})`)
    .option('--webhooks <urls>', 'POST every alert as JSON to these http(s) URLs, comma-separated (env EDGEFLEET_WEBHOOKS); ' +
      `retried on network errors, 5xx and 429 with backoff from ${d.webhookRetryMs} ms up to ${d.webhookMaxRetryMs / 60_000} min, ` +
      `at most ${d.webhookMaxAttempts} attempts of ${d.webhookTimeoutMs / 1000} s each (config keys webhookRetryMs, webhookMaxRetryMs, webhookMaxAttempts, webhookTimeoutMs)`)
    .option('--alert-retention-days <days>', `delete alerts older than this, keeping each device's and fleet's newest per kind; 0 = forever (default ${d.alertRetentionDays})`)
    .option('--model-dirs <dirs>', 'model package directories whose reference statistics the drift engine uses, comma-separated (env EDGEFLEET_MODEL_DIRS); the shipped packages are always searched')
    .option('--drift-fleet-seconds <s>', `judge each model version's fleet-wide drift window this often (default ${d.driftFleetSeconds}); per-model drift policies go in the config file's "drift" key (docs/DRIFT.md)`)
    .option('--public-url <url>', 'the URL devices reach this REST API at, for model downloads (env EDGEFLEET_HUB_PUBLIC_URL; default http://<host>:<http port>)')
    .option('--max-upload-bytes <n>', `largest model package POST /api/v1/models accepts (default ${d.maxUploadBytes}); larger is refused with 413 HUB_UPLOAD_TOO_LARGE`)
    .option('--tls-cert <file>', 'serve HTTPS, MQTT over TLS (mqtts, on --mqtt-port) and secure WebSocket (wss, on --ws-port) with this PEM certificate (env EDGEFLEET_TLS_CERT; with --tls-key; read at start: restart to renew)')
    .option('--tls-key <file>', 'the private key of --tls-cert, PEM (env EDGEFLEET_TLS_KEY)')
    .option('--tls-min-version <v>', `oldest TLS version accepted: TLSv1.2 or TLSv1.3 (default ${d.tlsMinVersion})`)
    .option('--max-payload-bytes <n>', `largest MQTT payload the embedded broker takes; a larger PUBLISH is refused and its connection closed (default ${d.maxPayloadBytes}, the protocol's maximum)`)
    .option('--device-publish-rate <n>', `messages per second a device may publish, sustained: over the burst its PUBACKs are held back to this rate, and one that keeps sending regardless is disconnected (default ${d.devicePublishRate})`)
    .option('--device-publish-burst <n>', `messages a device may publish at once above the rate (default ${d.devicePublishBurst})`)
    .option('--device-publish-max-held <n>', `publishes over the rate one device may have held back at once; one more is refused and the device disconnected (default ${d.devicePublishMaxHeld}; an agent keeps at most 64 unacknowledged)`)
    .option('--max-connections <n>', `MQTT connections the embedded broker holds at once; one more is refused with CONNACK 3, server unavailable (default ${d.maxConnections})`)
    .option('--broker-persistence <kind>', `disk: the embedded broker keeps retained messages, persistent sessions (and the QoS 1 messages queued for clients away) and wills in <data dir>/broker, across a crash or restart; memory: loses them when the hub stops (env EDGEFLEET_BROKER_PERSISTENCE; default ${d.brokerPersistence})`)
    .option('--retrain-concurrency <n>', `retraining jobs running at once; the others wait (default ${d.retrainConcurrency})`)
    .option('--no-auto-retrain', 'start retraining jobs only by hand: no drift, label-count or schedule triggers (env EDGEFLEET_AUTO_RETRAIN=false; policies per model go in the config file\'s "retraining" key, docs/RETRAINING.md)')
    .option('--dashboard-dir <dir>', 'the built dashboard to serve at / (env EDGEFLEET_DASHBOARD_DIR; default this repository\'s dashboard/dist)')
    .option('--agent-page-dir <dir>', 'the built browser agent to serve at /agent, which turns a browser tab into a camera device (env EDGEFLEET_AGENT_PAGE_DIR; default this repository\'s edge-agent/dist/browser; provisioning links: edgefleet device add <id> --link <hub-url>)')
    .option('--webhook-secret <key>', 'sign webhook bodies: header X-Edgefleet-Signature: sha256=<HMAC-SHA256 hex> (prefer env EDGEFLEET_WEBHOOK_SECRET: flags show in ps)')
}

/**
 * Adds the external-broker flags. Only `edgefleet hub` takes them: the demo's agents log in with
 * registry secrets, which only the embedded broker checks.
 */
export function externalBrokerOptions(command: Command): Command {
  return command
    .option(
      '--broker <url>',
      'connect to this MQTT broker (mqtt://host:port, mqtts://, ws://, wss://) instead of embedding one; the broker then authenticates ' +
        'devices (user name = device id) and restricts their topics: for Mosquitto use an acl_file with ' +
        '`pattern write ef/v1/dev/%u/<status|pred|drift|samples|labels|events>`, `pattern read ef/v1/dev/%u/<desired|cmd>`, ' +
        'the hub\'s user with `topic readwrite ef/v1/#` and `use_username_as_clientid true`. --mqtt-port and --ws-port are then unused',
    )
    .option('--broker-username <name>', 'the hub\'s user name at the external broker (env EDGEFLEET_BROKER_USERNAME)')
    .option('--broker-ca <file>', 'with --broker mqtts:// or wss://: trust this CA certificate (PEM) for the broker, besides the system\'s (env EDGEFLEET_BROKER_CA)')
    .option('--broker-password <secret>', 'the hub\'s password at the external broker (prefer env EDGEFLEET_BROKER_PASSWORD: flags show in ps)')
    .option('--shared-group <name>', 'with --broker: run as one of several hub instances that share device traffic through an MQTT 5 shared subscription ($share/<name>/…; env EDGEFLEET_SHARED_GROUP; default off). ' +
      'One instance at a time (the leader, by a PostgreSQL advisory lock with --registry-url) runs rollouts, webhooks, retraining and fleet drift, and takes over the session of an instance that died. See docs/SCALE-OUT.md')
    .option('--instance-id <id>', 'this instance\'s name and MQTT client id at the broker, unique per running instance (env EDGEFLEET_INSTANCE_ID; default with --shared-group: <hostname>-<hash of data dir and HTTP port>; without: client id edgefleet-hub)')
}

/** `edgefleet hub`. */
export function registerHubCommand(program: Command): void {
  externalBrokerOptions(hubServerOptions(program.command('hub').description('run the hub: embedded MQTT broker (TCP and WebSocket) or a client of an external one (--broker), REST API, registry and telemetry')))
    .action(async (flags: Record<string, unknown>) => {
      const config = loadHubConfig(flags)
      // the server (fastify, aedes, SQLite) loads only for commands that run it
      const { startHub, untilSignal } = await import('./hub-server.ts')
      const hub = await startHub(config)
      const mqtt = hub.wsUrl === null ? `  MQTT     ${hub.mqttUrl}  (external broker: devices connect there)\n` : `  MQTT     ${hub.mqttUrl}\n  MQTT/WS  ${hub.wsUrl}\n`
      const agentPage = `  devices  ${hub.httpUrl}/agent  (a browser tab as a camera device: edgefleet device add <id> --link ${hub.httpUrl})\n`
      process.stdout.write(
        `edgefleet hub ready\n  dashboard ${hub.httpUrl}/  (sign in with an operator token: edgefleet token add <name>)\n  API      ${hub.httpUrl}/api/v1  (docs ${hub.httpUrl}/docs, metrics ${hub.httpUrl}/metrics)\n` +
          `${mqtt}${agentPage}  data     ${hub.config.dataDir}\nCtrl-C stops it.\n`,
      )
      const signal = await untilSignal()
      process.stdout.write(`${signal}: shutting down\n`)
      await hub.close()
    })
}
