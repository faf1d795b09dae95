import { readFileSync } from 'node:fs'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { DriftPolicyFields } from '@edgefleet/protocol'
import { HubError } from './errors.ts'
import { RetrainPolicyFields } from './retraining/jobs/retrain-policy.ts'
import { DEFAULT_HUB_DATA_DIR } from './paths.ts'

/** Settings of `edgefleet hub`. Defaults live here, documented once; flags > environment > file > defaults. */
export const HubConfigSchema = Type.Object(
  {
    /** where the registry, embedded telemetry and keys live */
    dataDir: Type.String({ minLength: 1 }),
    /** interface every listener binds to */
    host: Type.String({ minLength: 1 }),
    /** MQTT over TCP (0 = pick a free port) */
    mqttPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** MQTT over WebSocket, path /mqtt (0 = pick a free port) */
    wsPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** REST API, OpenAPI docs, metrics (0 = pick a free port) */
    httpPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** the URL devices reach this hub's REST API at, to download models (default http://<host>:<http port>; set it behind a proxy or NAT) */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+[^/]$', maxLength: 512 })),
    /** `sqlite` (embedded, default) or an InfluxDB 1.x URL with the database as path: http://127.0.0.1:8086/edgefleet */
    telemetry: Type.String({ pattern: '^(sqlite|https?://.+/[A-Za-z0-9_-]+)$' }),
    /** keep the registry (devices, credentials, alerts, models, rollouts, jobs) in this PostgreSQL database instead of `<dataDir>/registry.db`: postgres://user:password@host:5432/database; what several hub instances share */
    registryUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', maxLength: 2048 })),
    /** with registryUrl: PostgreSQL connections this hub holds at most */
    registryPoolSize: Type.Integer({ minimum: 1, maximum: 1000 }),
    /**
     * with InfluxDB telemetry: points (predictions, drift windows) spooled to `<dataDir>/telemetry-spool.db`
     * while InfluxDB is unreachable, acknowledged, and replayed in order when it is back; when full,
     * devices are not acknowledged and keep their messages. 0 = no spool (store failures withhold the PUBACK)
     */
    telemetrySpoolMaxPoints: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    /** use this external MQTT broker instead of embedding one (mqtt://host:port) */
    broker: Type.Optional(Type.String({ pattern: '^(mqtt|mqtts|ws|wss)://' })),
    brokerUsername: Type.Optional(Type.String()),
    brokerPassword: Type.Optional(Type.String()),
    /** with an external broker: run as one of several hub instances, members of this MQTT 5 shared subscription group (docs/SCALE-OUT.md) */
    sharedGroup: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' })),
    /** this instance's name and MQTT client id at the external broker; unique per running instance (default with sharedGroup: `<hostname>-<hash of data dir and HTTP port>`) */
    instanceId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' })),
    /** the built dashboard served at / (default: this repository's dashboard/dist) */
    dashboardDir: Type.Optional(Type.String({ minLength: 1 })),
    /** the built browser agent served at /agent (default: this repository's edge-agent/dist/browser) */
    agentPageDir: Type.Optional(Type.String({ minLength: 1 })),
    /** largest model package (manifest + ONNX file) `POST /api/v1/models` accepts, bytes */
    maxUploadBytes: Type.Integer({ minimum: 1024, maximum: 2 ** 40 }),
    /** serve the REST API (https), MQTT (mqtts on mqttPort) and MQTT over WebSocket (wss on wsPort) with this certificate, PEM (with tlsKey; read at start, not reloaded) */
    tlsCert: Type.Optional(Type.String({ minLength: 1 })),
    /** the private key of tlsCert, PEM */
    tlsKey: Type.Optional(Type.String({ minLength: 1 })),
    /** oldest TLS version the hub's listeners accept */
    tlsMinVersion: Type.Enum(['TLSv1.2', 'TLSv1.3'] as const),
    /** with an external broker over mqtts:// or wss://: trust this CA certificate (PEM file) for it, besides the system's */
    brokerCa: Type.Optional(Type.String({ minLength: 1 })),
    /** largest MQTT payload the embedded broker takes, bytes (the protocol's maximum is 256 KiB); a larger PUBLISH is refused and its connection closed */
    maxPayloadBytes: Type.Integer({ minimum: 1024, maximum: 268_435_455 }),
    /** messages per second one device may publish, sustained; beyond the burst its PUBACKs are held back to this rate, and a device that keeps sending regardless is disconnected */
    devicePublishRate: Type.Number({ minimum: 0.1, maximum: 1_000_000 }),
    /** messages a device may publish at once, above the sustained rate (the token bucket's size) */
    devicePublishBurst: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    /**
     * publishes over the rate one device may have held back at once; one more is refused (each holds its payload in memory
     * until its turn). At least an agent's window of unacknowledged messages (64): a refusal closes the connection before the
     * PUBACKs of messages already stored, so an agent refused on every attempt would resend forever
     */
    devicePublishMaxHeld: Type.Integer({ minimum: 64, maximum: 100_000 }),
    /**
     * the embedded broker's retained messages, persistent sessions (subscriptions and queued QoS 1 messages of clients
     * connected with clean session 0, e.g. alert subscribers) and wills: `disk` keeps them in `<dataDir>/broker` (LevelDB)
     * across a crash or restart of the hub; `memory` loses them whenever it stops
     */
    brokerPersistence: Type.Enum(['disk', 'memory'] as const),
    /** MQTT connections the embedded broker holds at once (TCP and WebSocket together); one more is refused at CONNECT (CONNACK 3, server unavailable) */
    maxConnections: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    /** how often running rollouts are stepped, ms */
    rolloutTickMs: Type.Integer({ minimum: 50, maximum: 60_000 }),
    /** delete telemetry older than this many days (0 = keep forever) */
    retentionDays: Type.Integer({ minimum: 0, maximum: 36_500 }),
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const),
    /** POST every alert (its JSON) to each of these URLs; env and flag take them comma-separated */
    webhooks: Type.Array(Type.String({ pattern: '^https?://[^\\s,]+$', maxLength: 2048 }), { maxItems: 16 }),
    /** sign webhook bodies with HMAC-SHA256 under this key: header `X-Edgefleet-Signature: sha256=<hex>` */
    webhookSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 1024 })),
    /** give up on one webhook request after this long (it is then retried) */
    webhookTimeoutMs: Type.Integer({ minimum: 100, maximum: 300_000 }),
    /** attempts per delivery, the first included, before it is marked failed */
    webhookMaxAttempts: Type.Integer({ minimum: 1, maximum: 100 }),
    /** wait before the first retry; doubles with each further retry, with jitter */
    webhookRetryMs: Type.Integer({ minimum: 10, maximum: 3_600_000 }),
    /** longest wait between two retries (caps the doubling) */
    webhookMaxRetryMs: Type.Integer({ minimum: 10, maximum: 86_400_000 }),
    /** delete alerts older than this many days, keeping each subject's newest (0 = keep forever) */
    alertRetentionDays: Type.Integer({ minimum: 0, maximum: 36_500 }),
    /** extra directories of model packages whose reference statistics the drift engine uses (the shipped packages are always searched); env and flag take them comma-separated */
    modelDirs: Type.Array(Type.String({ minLength: 1 }), { maxItems: 64 }),
    /** judge each model version's fleet-wide window (every device's windows merged) this often, in seconds */
    driftFleetSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    /** drift policy overrides per model name (config file only), e.g. { "gas-sensor": { "metric": "psi", "raiseAfter": 2 } } */
    drift: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), DriftPolicyFields),
    /** training samples kept per model; beyond it the oldest unlabelled go first, then the oldest labelled (0 = no limit) */
    datasetMaxSamples: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    /** dataset snapshots kept per model; beyond it the oldest are deleted, files and records (0 = no limit) */
    datasetMaxSnapshots: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    /** retraining policy per model name (config file only; docs/RETRAINING.md), e.g. { "gas-sensor": { "minLabelled": 500, "canary": false } } */
    retraining: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), RetrainPolicyFields),
    /** retraining jobs run at once; the others wait */
    retrainConcurrency: Type.Integer({ minimum: 1, maximum: 16 }),
    /** false: drift, label-count and schedule triggers are off (jobs start only by hand) */
    autoRetrain: Type.Boolean(),
  },
  { additionalProperties: false },
)

export type HubConfig = Static<typeof HubConfigSchema>

export const HUB_DEFAULTS: HubConfig = {
  dataDir: DEFAULT_HUB_DATA_DIR,
  host: '127.0.0.1',
  mqttPort: 1883,
  wsPort: 8083,
  httpPort: 8080,
  telemetry: 'sqlite',
  registryPoolSize: 10,
  telemetrySpoolMaxPoints: 1_000_000,
  retentionDays: 30,
  maxUploadBytes: 512 * 1024 * 1024,
  tlsMinVersion: 'TLSv1.2',
  maxPayloadBytes: 256 * 1024,
  // see README "Limits": far above what an agent sends live, and a drained outbox is paced, not refused
  devicePublishRate: 200,
  devicePublishBurst: 1000,
  // four times an agent's window of unacknowledged messages (64): an agent is only ever paced
  devicePublishMaxHeld: 256,
  maxConnections: 10_000,
  brokerPersistence: 'disk',
  rolloutTickMs: 1000,
  logLevel: 'info',
  webhooks: [],
  webhookTimeoutMs: 10_000,
  // 8 attempts: retries after ~1, 2, 4, 8, 16, 32 and 64 s (each 50–100 % of that, for jitter)
  webhookMaxAttempts: 8,
  webhookRetryMs: 1000,
  webhookMaxRetryMs: 300_000,
  alertRetentionDays: 365,
  modelDirs: [],
  driftFleetSeconds: 60,
  drift: {},
  datasetMaxSamples: 200_000,
  datasetMaxSnapshots: 20,
  retraining: {},
  retrainConcurrency: 1,
  autoRetrain: true,
}

/** Environment variables `edgefleet hub` reads (lower precedence than flags). */
export const HUB_ENV: Partial<Record<keyof HubConfig, string>> = {
  dataDir: 'EDGEFLEET_HUB_DATA_DIR',
  host: 'EDGEFLEET_HUB_HOST',
  publicUrl: 'EDGEFLEET_HUB_PUBLIC_URL',
  telemetry: 'EDGEFLEET_TELEMETRY',
  registryUrl: 'EDGEFLEET_REGISTRY_URL',
  registryPoolSize: 'EDGEFLEET_REGISTRY_POOL_SIZE',
  telemetrySpoolMaxPoints: 'EDGEFLEET_TELEMETRY_SPOOL_MAX_POINTS',
  broker: 'EDGEFLEET_BROKER',
  brokerUsername: 'EDGEFLEET_BROKER_USERNAME',
  brokerPassword: 'EDGEFLEET_BROKER_PASSWORD',
  sharedGroup: 'EDGEFLEET_SHARED_GROUP',
  instanceId: 'EDGEFLEET_INSTANCE_ID',
  logLevel: 'EDGEFLEET_LOG_LEVEL',
  webhooks: 'EDGEFLEET_WEBHOOKS',
  webhookSecret: 'EDGEFLEET_WEBHOOK_SECRET',
  modelDirs: 'EDGEFLEET_MODEL_DIRS',
  maxUploadBytes: 'EDGEFLEET_MAX_UPLOAD_BYTES',
  tlsCert: 'EDGEFLEET_TLS_CERT',
  tlsKey: 'EDGEFLEET_TLS_KEY',
  tlsMinVersion: 'EDGEFLEET_TLS_MIN_VERSION',
  brokerCa: 'EDGEFLEET_BROKER_CA',
  maxPayloadBytes: 'EDGEFLEET_MAX_PAYLOAD_BYTES',
  devicePublishRate: 'EDGEFLEET_DEVICE_PUBLISH_RATE',
  devicePublishBurst: 'EDGEFLEET_DEVICE_PUBLISH_BURST',
  maxConnections: 'EDGEFLEET_MAX_CONNECTIONS',
  brokerPersistence: 'EDGEFLEET_BROKER_PERSISTENCE',
  dashboardDir: 'EDGEFLEET_DASHBOARD_DIR',
  agentPageDir: 'EDGEFLEET_AGENT_PAGE_DIR',
  datasetMaxSamples: 'EDGEFLEET_DATASET_MAX_SAMPLES',
  datasetMaxSnapshots: 'EDGEFLEET_DATASET_MAX_SNAPSHOTS',
  retrainConcurrency: 'EDGEFLEET_RETRAIN_CONCURRENCY',
  autoRetrain: 'EDGEFLEET_AUTO_RETRAIN',
}

const NUMERIC: (keyof HubConfig)[] = [
  'mqttPort', 'wsPort', 'httpPort', 'retentionDays', 'maxUploadBytes', 'rolloutTickMs', 'webhookTimeoutMs', 'webhookMaxAttempts', 'webhookRetryMs', 'webhookMaxRetryMs', 'driftFleetSeconds', 'alertRetentionDays', 'datasetMaxSamples', 'datasetMaxSnapshots', 'retrainConcurrency',
  'maxPayloadBytes', 'telemetrySpoolMaxPoints', 'registryPoolSize', 'devicePublishRate', 'devicePublishBurst', 'devicePublishMaxHeld', 'maxConnections',
]
const check = Compile(HubConfigSchema)

/** Merges defaults, a JSON file, environment and flags; reports every violation in one error; freezes. */
export function loadHubConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Readonly<HubConfig> {
  const { config: file, ...rest } = flags
  const fromFile = typeof file === 'string' ? readJson(file) : {}
  const fromEnv: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(HUB_ENV)) if (env[name] !== undefined) fromEnv[key] = env[name]
  const merged: Record<string, unknown> = { ...HUB_DEFAULTS, ...fromFile, ...fromEnv }
  // commander gives `--no-auto-retrain`'s option as true when the flag is absent: only false is a choice
  if (rest.autoRetrain === true) delete rest.autoRetrain
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) merged[k] = v
  for (const key of NUMERIC) {
    const v = merged[key]
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) merged[key] = Number(v)
  }
  // environment and flags give a list as one comma-separated string
  for (const key of ['webhooks', 'modelDirs'] as const) {
    const v = merged[key]
    if (typeof v === 'string') merged[key] = v.split(',').map((u) => u.trim()).filter((u) => u.length > 0)
  }
  // environment gives booleans as text
  if (typeof merged.autoRetrain === 'string' && /^(true|false|1|0|on|off)$/i.test(merged.autoRetrain)) merged.autoRetrain = /^(true|1|on)$/i.test(merged.autoRetrain)
  if (!check.Check(merged)) {
    const problems = [...new Set([...check.Errors(merged)].map((e) => `  ${flagName(e.instancePath)}: ${e.message}`))]
    throw new HubError('HUB_CONFIG_INVALID', `invalid hub settings:\n${problems.join('\n')}\nRun edgefleet hub --help for the options.`)
  }
  if (merged.sharedGroup !== undefined && merged.broker === undefined) {
    throw new HubError('HUB_CONFIG_INVALID', 'invalid hub settings:\n  --shared-group needs --broker: hub instances share device traffic through an external MQTT 5 broker (docs/SCALE-OUT.md)')
  }
  if ((merged.tlsCert === undefined) !== (merged.tlsKey === undefined)) {
    throw new HubError('HUB_CONFIG_INVALID', 'invalid hub settings:\n  --tls-cert and --tls-key go together: give both (the certificate and its private key, PEM files) or neither')
  }
  return Object.freeze(merged as HubConfig)
}

function readJson(path: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'))
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the file must hold a JSON object')
    return value as Record<string, unknown>
  } catch (cause) {
    throw new HubError('HUB_CONFIG_INVALID', `cannot read config file ${path}: ${(cause as Error).message}`, { cause })
  }
}

function flagName(path: string): string {
  const key = path.split('/')[1] ?? ''
  return key ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'settings'
}
