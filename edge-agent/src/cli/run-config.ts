import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { DeviceId } from '@edgefleet/protocol'
import { AgentError } from '../errors.ts'
import { CLAIM_TOKEN_PATTERN } from '../provisioning/claim-token.ts'
import { Sampler } from '../sampling/sampler.ts'
import { resolveConfigFilePaths } from './config-file-paths.ts'
import { DURATION_PATTERN, parseDuration } from './duration.ts'

/** Settings of `edgefleet-agent run`. Defaults live here, documented once; flags > env > file > defaults. */
export const RunConfigSchema = Type.Object(
  {
    /** package directory, or the name of a shipped model (gas-sensor) */
    model: Type.String({ minLength: 1 }),
    backend: Type.Union([Type.Literal('auto'), Type.Literal('wasm'), Type.Literal('native')]),
    threads: Type.Integer({ minimum: 1, maximum: 64 }),
    batchSize: Type.Integer({ minimum: 1, maximum: 4096 }),
    batchWaitMs: Type.Number({ minimum: 0, maximum: 60_000 }),
    queueSize: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000 })),
    csv: Type.Array(Type.String({ minLength: 1 })),
    jsonl: Type.Array(Type.String({ minLength: 1 })),
    stdin: Type.Boolean(),
    mqttUrl: Type.Optional(Type.String({ pattern: '^(mqtt|mqtts|ws|wss|tcp)://' })),
    /** image models: directories of camera frames, replayed in name order (or watched) */
    frames: Type.Array(Type.String({ minLength: 1 })),
    /** with `frames`: serve the frames a camera writes after the start instead of replaying */
    watch: Type.Boolean(),
    /** with `frames`: replay the directories again and again until stopped */
    loop: Type.Boolean(),
    /** with `frames` (replay): at most this many frames per second */
    fps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
    /** image models: a camera's HTTP snapshot URL, polled every `snapshotInterval` */
    snapshotUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** time between snapshot requests: a number with a unit (`500ms`, `1s`, `1m`) */
    snapshotInterval: Type.String({ pattern: DURATION_PATTERN }),
    /** longest a snapshot request may take */
    snapshotTimeout: Type.String({ pattern: DURATION_PATTERN }),
    mqttTopic: Type.Optional(Type.String({ minLength: 1 })),
    mqttUsername: Type.Optional(Type.String()),
    mqttPassword: Type.Optional(Type.String()),
    columns: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    header: Type.Union([Type.Literal('auto'), Type.Literal('yes'), Type.Literal('no')]),
    /** parse CSV files on a worker thread, so parsing and inference overlap on two cores (costs a thread and its memory) */
    parseWorker: Type.Boolean(),
    idColumn: Type.Optional(Type.String({ minLength: 1 })),
    labelColumn: Type.Optional(Type.String({ minLength: 1 })),
    out: Type.Optional(Type.String({ minLength: 1 })),
    format: Type.Union([Type.Literal('jsonl'), Type.Literal('pretty'), Type.Literal('none')]),
    scores: Type.Boolean(),
    summary: Type.Boolean(),
    logLevel: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('silent')]),
    /** the hub's MQTT broker: predictions (and status) go there too, through the on-disk outbox */
    hub: Type.Optional(Type.String({ pattern: '^(mqtt|mqtts|ws|wss)://' })),
    /** this device's id on the hub: MQTT client id and user name */
    deviceId: Type.Optional(DeviceId),
    /** the device's secret (MQTT password); never logged or echoed */
    secret: Type.Optional(Type.String({ minLength: 1 })),
    /** outbox and seq directory (default `.edgefleet-agent/<deviceId>`, or `.edgefleet-agent/claimed` with `claimToken`) */
    stateDir: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * a claim token `<name>.<secret>` (fleet provisioning): without a device id and secret, the agent
     * claims its identity from the hub on first start and saves it in the state directory; never logged
     */
    claimToken: Type.Optional(Type.String({ pattern: CLAIM_TOKEN_PATTERN })),
    /** the serial the device claims with (default /etc/machine-id, else the host name) */
    serial: Type.Optional(Type.String({ pattern: '^[\\x21-\\x7e]{1,128}$' })),
    /** seconds between retained status messages */
    statusInterval: Type.Integer({ minimum: 1, maximum: 86_400 }),
    /** MQTT keepalive, seconds */
    keepalive: Type.Integer({ minimum: 5, maximum: 65_535 }),
    /** bound on the on-disk outbox, MiB */
    outboxMaxMb: Type.Number({ minimum: 0.5, maximum: 1_048_576 }),
    /** seconds spent sending what the outbox holds when the run ends */
    drainTimeout: Type.Number({ minimum: 0, maximum: 3600 }),
    /** replay the --csv/--jsonl files' readings mixed, in an order fixed by this seed (held in memory) */
    shuffle: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
    /** summarise, judge and send drift windows (on by default; off for the fastest replays) */
    drift: Type.Boolean(),
    /** close a drift window after this many samples (default: the model package's `drift.windowSamples`) */
    driftWindowSamples: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** …or this many seconds after its first sample (default: the model package's `drift.windowSeconds`) */
    driftWindowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    /** also write each drift window's summary (a protocol `DriftSummary`) as a line of this JSONL file */
    driftOut: Type.Optional(Type.String({ minLength: 1 })),
    /** the hub's model-signing public key (PEM file): without it every desired state is refused */
    hubPublicKey: Type.Optional(Type.String({ minLength: 1 })),
    /** CA certificates (PEM file) trusted for the hub's mqtts://, wss:// and https:// besides the system's */
    ca: Type.Optional(Type.String({ minLength: 1 })),
    /** the largest model file the agent downloads, MiB */
    maxModelMb: Type.Number({ exclusiveMinimum: 0, maximum: 4096 }),
    /** keep training candidates and upload them to the hub (`samples`); needs `hub` */
    samples: Type.Boolean(),
    /** keep every prediction whose top-1 confidence is below this (reason `low-confidence`; 0: never) */
    sampleConfidenceBelow: Type.Number({ minimum: 0, maximum: 1 }),
    /** while the agent's own drift state is `drifting`, keep a prediction with this probability (reason `drift`) */
    sampleDriftRate: Type.Number({ minimum: 0, maximum: 1 }),
    /** otherwise keep a prediction with this probability (reason `random`) */
    sampleRate: Type.Number({ minimum: 0, maximum: 1 }),
    /** budget: at most this many samples kept per minute (token bucket); candidates beyond are dropped and counted */
    sampleMaxPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    /** seed of the sampling PRNG, for reproducible runs (default: random) */
    sampleSeed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
    /** longest a kept sample waits before its `samples` message goes (also the least time between `labels` messages), ms */
    sampleFlushMs: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
    /** send each uploaded sample's true label (from the label column) later, as a `labels` message */
    sendLabels: Type.Boolean(),
    /** how long after its sample a label is sent: `0`, or a number with a unit (`500ms`, `30s`, `2m`, `1h`, `1d`) */
    labelDelay: Type.String({ pattern: DURATION_PATTERN }),
  },
  { additionalProperties: false },
)

export type RunConfig = Static<typeof RunConfigSchema>

export const RUN_DEFAULTS: Omit<RunConfig, 'model'> = {
  backend: 'auto',
  threads: 1,
  batchSize: 64,
  batchWaitMs: 5,
  queueSize: 1024,
  csv: [],
  jsonl: [],
  stdin: false,
  frames: [],
  watch: false,
  loop: false,
  snapshotInterval: '1s',
  snapshotTimeout: '5s',
  header: 'auto',
  parseWorker: false,
  drift: true,
  format: 'jsonl',
  scores: false,
  summary: false,
  logLevel: 'warn',
  statusInterval: 30,
  keepalive: 30,
  outboxMaxMb: 64,
  drainTimeout: 5,
  maxModelMb: 256,
  samples: true,
  sampleConfidenceBelow: 0.6,
  sampleDriftRate: 0.2,
  sampleRate: 0.01,
  sampleMaxPerMinute: 600,
  sampleFlushMs: 5000,
  sendLabels: false,
  labelDelay: '30s',
}

/** Environment variables read by `run` (lower precedence than flags). */
export const RUN_ENV: Partial<Record<keyof RunConfig, string>> = {
  model: 'EDGEFLEET_MODEL',
  backend: 'EDGEFLEET_BACKEND',
  mqttUrl: 'EDGEFLEET_MQTT_URL',
  snapshotUrl: 'EDGEFLEET_SNAPSHOT_URL',
  mqttUsername: 'EDGEFLEET_MQTT_USERNAME',
  mqttPassword: 'EDGEFLEET_MQTT_PASSWORD',
  logLevel: 'EDGEFLEET_LOG_LEVEL',
  hub: 'EDGEFLEET_HUB_URL',
  deviceId: 'EDGEFLEET_DEVICE_ID',
  secret: 'EDGEFLEET_DEVICE_SECRET',
  claimToken: 'EDGEFLEET_CLAIM_TOKEN',
  serial: 'EDGEFLEET_SERIAL',
  hubPublicKey: 'EDGEFLEET_HUB_PUBLIC_KEY_FILE',
  ca: 'EDGEFLEET_CA_FILE',
}

const check = Compile(RunConfigSchema)
/** What to say instead of "must match pattern …" for settings whose pattern nobody should have to read. */
const PATTERN_HINTS: Record<string, string> = {
  '/labelDelay': 'must be 0 or a number with a unit: 500ms, 30s, 2m, 1h, 1d',
  '/snapshotInterval': 'must be a number with a unit: 500ms, 1s, 1m',
  '/snapshotTimeout': 'must be a number with a unit: 500ms, 5s, 1m',
  '/claimToken': 'must be <name>.<secret>, exactly as `edgefleet claim-token add` printed it',
  '/serial': 'must be 1–128 printable ASCII characters without spaces',
}

/**
 * Defaults that differ for camera sources: a frame is ~1 MB as a tensor, so batches of one (image
 * models with a fixed batch of 1 run frame by frame anyway) and a short queue.
 */
export const FRAME_RUN_DEFAULTS: Pick<RunConfig, 'batchSize' | 'queueSize'> = { batchSize: 1, queueSize: 8 }

/**
 * Merges defaults, a JSON config file, environment and flags; reports every violation in one
 * AGENT_USAGE error; returns a frozen config.
 */
export function loadRunConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Readonly<RunConfig> {
  const file = typeof flags.config === 'string' ? readConfigFile(flags.config) : {}
  const fromEnv: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(RUN_ENV)) if (env[name] !== undefined) fromEnv[key] = env[name]
  const { config: _config, ...cliFlags } = flags
  const given = { ...file, ...fromEnv, ...stripUndefined(cliFlags) }
  const camera = (Array.isArray(given.frames) && given.frames.length > 0) || given.snapshotUrl !== undefined
  const merged: Record<string, unknown> = { ...RUN_DEFAULTS, ...(camera ? FRAME_RUN_DEFAULTS : {}), ...given }
  if (merged.model === undefined) throw new AgentError('AGENT_USAGE', 'no model: give --model <dir|name> (or `model` in the --config file, or $EDGEFLEET_MODEL)')
  if (!check.Check(merged)) {
    const problems = [...check.Errors(merged)].map((e) => `  ${flagName(e.instancePath)}: ${PATTERN_HINTS[e.instancePath] ?? e.message}`)
    throw new AgentError('AGENT_USAGE', `invalid settings:\n${[...new Set(problems)].join('\n')}\nRun with --help for the options.`)
  }
  const config = merged as RunConfig
  checkSources(config)
  if (config.hub && (!config.deviceId || !config.secret) && !config.claimToken) {
    const missing = [!config.deviceId && '--device-id (or $EDGEFLEET_DEVICE_ID)', !config.secret && '--secret (or $EDGEFLEET_DEVICE_SECRET)'].filter(Boolean)
    throw new AgentError('AGENT_USAGE', `--hub needs ${missing.join(' and ')}: the hub admits devices by id and secret (or give --claim-token to claim an identity)`)
  }
  if (config.sendLabels && !config.hub) throw new AgentError('AGENT_USAGE', '--send-labels needs --hub: labels go to the hub with the samples they belong to')
  if (config.sendLabels && !samplingEnabled(config)) {
    throw new AgentError('AGENT_USAGE', '--send-labels sends the labels of uploaded samples, but sampling is off (--no-samples, or every --sample-* rate and threshold 0)')
  }
  return Object.freeze(config)
}

/** Checks the sources: at least one, tabular readings or camera frames but not both, and flags that only apply to one of them. */
function checkSources(config: RunConfig): void {
  const tabular = config.csv.length + config.jsonl.length > 0 || config.stdin || config.mqttUrl !== undefined
  const camera = config.frames.length > 0 || config.snapshotUrl !== undefined
  if (!tabular && !camera) {
    throw new AgentError('AGENT_USAGE', 'no source of readings: give --csv FILE, --jsonl FILE, --stdin or --mqtt-url URL, or for an image model --frames DIR or --snapshot-url URL')
  }
  if (tabular && camera) {
    throw new AgentError('AGENT_USAGE', 'a model reads either tabular readings (--csv, --jsonl, --stdin, --mqtt-url) or camera frames (--frames, --snapshot-url), not both: run one agent per model')
  }
  const problems: string[] = []
  if ((config.watch || config.loop || config.fps !== undefined) && config.frames.length === 0) problems.push('--watch, --loop and --fps apply to --frames DIR')
  if (config.watch && config.loop) problems.push('--loop replays a directory, --watch serves new frames as a camera writes them: choose one')
  if (config.watch && config.fps !== undefined) problems.push('--fps paces a replay; with --watch the camera sets the pace (frames that find the queue full are dropped and counted)')
  if (camera && config.rate !== undefined) problems.push('--rate paces tabular readings; pace a frame replay with --fps, snapshots with --snapshot-interval')
  if (parseDuration(config.snapshotTimeout, '--snapshot-timeout') === 0) problems.push('--snapshot-timeout must be more than 0')
  if (problems.length > 0) throw new AgentError('AGENT_USAGE', `invalid settings:\n${problems.map((p) => `  ${p}`).join('\n')}\nRun with --help for the options.`)
}

/** True when the configuration keeps training samples (it may still upload none without `hub`). */
export function samplingEnabled(config: Pick<RunConfig, 'samples' | 'sampleConfidenceBelow' | 'sampleDriftRate' | 'sampleRate'>): boolean {
  return config.samples && !Sampler.disabled({ confidenceBelow: config.sampleConfidenceBelow, driftRate: config.sampleDriftRate, rate: config.sampleRate })
}

/** Reads a JSON config file; its relative paths are relative to the file's directory. */
function readConfigFile(path: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'))
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the file must hold a JSON object')
    return resolveConfigFilePaths(value as Record<string, unknown>, dirname(resolve(path)))
  } catch (cause) {
    throw new AgentError('AGENT_USAGE', `cannot read config file ${path}: ${(cause as Error).message}`, { cause })
  }
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}

/** `/batchSize` → `--batch-size` so errors name the flag the user typed. */
function flagName(path: string): string {
  const key = path.split('/')[1] ?? ''
  return key ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'settings'
}
