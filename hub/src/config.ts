import { readFileSync } from 'node:fs'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { HubError } from './errors.ts'
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
    /** `sqlite` (embedded, default) or an InfluxDB 1.x URL with the database as path: http://127.0.0.1:8086/edgefleet */
    telemetry: Type.String({ pattern: '^(sqlite|https?://.+/[A-Za-z0-9_-]+)$' }),
    /** use this external MQTT broker instead of embedding one (mqtt://host:port) */
    broker: Type.Optional(Type.String({ pattern: '^(mqtt|mqtts|ws|wss)://' })),
    brokerUsername: Type.Optional(Type.String()),
    brokerPassword: Type.Optional(Type.String()),
    /** delete telemetry older than this many days (0 = keep forever) */
    retentionDays: Type.Integer({ minimum: 0, maximum: 36_500 }),
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const),
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
  retentionDays: 30,
  logLevel: 'info',
}

/** Environment variables `edgefleet hub` reads (lower precedence than flags). */
export const HUB_ENV: Partial<Record<keyof HubConfig, string>> = {
  dataDir: 'EDGEFLEET_HUB_DATA_DIR',
  host: 'EDGEFLEET_HUB_HOST',
  telemetry: 'EDGEFLEET_TELEMETRY',
  broker: 'EDGEFLEET_BROKER',
  brokerUsername: 'EDGEFLEET_BROKER_USERNAME',
  brokerPassword: 'EDGEFLEET_BROKER_PASSWORD',
  logLevel: 'EDGEFLEET_LOG_LEVEL',
}

const NUMERIC: (keyof HubConfig)[] = ['mqttPort', 'wsPort', 'httpPort', 'retentionDays']
const check = Compile(HubConfigSchema)

/** Merges defaults, a JSON file, environment and flags; reports every violation in one error; freezes. */
export function loadHubConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Readonly<HubConfig> {
  const { config: file, ...rest } = flags
  const fromFile = typeof file === 'string' ? readJson(file) : {}
  const fromEnv: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(HUB_ENV)) if (env[name] !== undefined) fromEnv[key] = env[name]
  const merged: Record<string, unknown> = { ...HUB_DEFAULTS, ...fromFile, ...fromEnv }
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) merged[k] = v
  for (const key of NUMERIC) {
    const v = merged[key]
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) merged[key] = Number(v)
  }
  if (!check.Check(merged)) {
    const problems = [...new Set([...check.Errors(merged)].map((e) => `  ${flagName(e.instancePath)}: ${e.message}`))]
    throw new HubError('HUB_CONFIG_INVALID', `invalid hub settings:\n${problems.join('\n')}\nRun edgefleet hub --help for the options.`)
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
