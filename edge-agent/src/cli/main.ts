#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander'
import pino from 'pino'
import { AgentError, type Logger } from '../errors.ts'
import { AGENT_VERSION } from '../version.ts'
import { backendsCommand, infoCommand, selfTestCommand } from './model-commands.ts'
import { runCommand } from './run-command.ts'
import { FRAME_RUN_DEFAULTS, loadRunConfig, RUN_DEFAULTS } from './run-config.ts'

/** Parses a numeric flag; leaves bad input as-is so the config schema reports it by flag name. */
const num = (v: string): number | string => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v)
const list = (v: string, prev: string[] = []): string[] => [...prev, v]
const csvList = (v: string): string[] => v.split(',')

function makeLogger(level: string): Logger {
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }))
}

const program = new Command('edgefleet-agent')
  .description('edgefleet edge agent: runs a model package on local sensor readings or camera frames')
  .version(AGENT_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

program
  .command('run')
  .description('load a model package, self-test it, and predict on readings from files, stdin or MQTT, or (image models) on camera frames')
  .option('-m, --model <dir|name>', 'model package directory, or a shipped model name (gas-sensor, ultraface); required unless --config names one')
  .addOption(new Option('--backend <kind>', `inference backend (default ${RUN_DEFAULTS.backend}: native if onnxruntime-node loads, else wasm)`).choices(['auto', 'wasm', 'native']))
  .option('--threads <n>', `inference threads (default ${RUN_DEFAULTS.threads})`, num)
  .option('--csv <file>', 'replay a CSV file (repeatable; files replay in order)', list)
  .option('--jsonl <file>', 'replay a JSONL file of readings (repeatable)', list)
  .option('--stdin', 'read JSONL readings from standard input')
  .option('--mqtt-url <url>', 'subscribe to sensor readings on this broker (mqtt://host:port)')
  .option('--mqtt-topic <filter>', 'topic filter the sensors publish to, e.g. ef/v1/sensors/pi-01/+')
  .option('--mqtt-username <name>', 'broker username')
  .option('--mqtt-password <secret>', 'broker password (or $EDGEFLEET_MQTT_PASSWORD)')
  .option('--frames <dir>', 'image models: replay the camera frames (JPEG, PNG, WebP, AVIF, GIF, TIFF) of a directory in name order, numbers compared as numbers (repeatable); each prediction\'s id is the file name', list)
  .option('--loop', 'with --frames: start over after the last frame, until stopped')
  .option('--watch', 'with --frames: serve only the frames a camera writes after the start, each once it is complete (size and mtime unchanged for 200 ms; hidden and *.tmp names are ignored, so write-then-rename is safe); frames that find the queue full are dropped and counted')
  .option('--fps <n>', 'with --frames (replay): at most n frames per second (default: as fast as the model runs)', num)
  .option('--snapshot-url <url>', 'image models: poll this camera snapshot URL, http(s)://… answering each GET with one image (or $EDGEFLEET_SNAPSHOT_URL); predictions are named snapshot-<n>; timeouts, non-2xx answers and non-image bodies are rejected and counted, and polling backs off (up to 30 s) while the camera is down')
  .option('--snapshot-interval <duration>', `time between snapshot requests: 500ms, 1s, 1m (default ${RUN_DEFAULTS.snapshotInterval})`)
  .option('--snapshot-timeout <duration>', `longest one snapshot request may take (default ${RUN_DEFAULTS.snapshotTimeout})`)
  .option('--rate <n>', 'replay files at n readings per second (default: as fast as possible)', num)
  .option('--columns <names>', 'names of a headerless CSV file\'s columns, comma-separated; * = the model\'s features in order', csvList)
  .addOption(new Option('--header <mode>', `CSV header (default ${RUN_DEFAULTS.header}: detected from the first row)`).choices(['auto', 'yes', 'no']))
  .option('--parse-worker', 'parse CSV files on a worker thread so parsing overlaps inference (for long replays on multi-core devices; uses more memory)')
  .option('--id-column <name>', 'CSV column holding each reading\'s id (default: file:line)')
  .option('--label-column <name>', 'CSV column holding the true label: predictions carry it as "actual" and the summary reports accuracy')
  .option('--batch-size <n>', `readings per session.run (default ${RUN_DEFAULTS.batchSize}; frames ${FRAME_RUN_DEFAULTS.batchSize}, and a model whose batch dimension is fixed at 1 runs frame by frame)`, num)
  .option('--batch-wait-ms <ms>', `longest a partial batch waits to fill (default ${RUN_DEFAULTS.batchWaitMs})`, num)
  .option('--queue-size <n>', `readings buffered between sources and inference (default ${RUN_DEFAULTS.queueSize}; frames ${FRAME_RUN_DEFAULTS.queueSize}); full → files and frame replays wait, MQTT, --watch and snapshots drop and count`, num)
  .option('-o, --out <file>', 'write predictions to this file instead of stdout')
  .addOption(new Option('--format <format>', `prediction output (default ${RUN_DEFAULTS.format}: one protocol Prediction per line; pretty: aligned lines, detections with boxes in pixels of the original image)`).choices(['jsonl', 'pretty', 'none']))
  .option('--scores', 'include every class score in each prediction')
  .option('--summary', 'print a summary (throughput, accuracy per source, rejections) to stderr at the end')
  .option('--json', 'print the summary as JSON')
  .option('--hub <url>', 'also send predictions and status to the hub\'s MQTT broker, mqtt://host:1883 or ws://host:port/path (or $EDGEFLEET_HUB_URL); local output continues unless --format none')
  .option('--device-id <id>', 'this device\'s id on the hub (or $EDGEFLEET_DEVICE_ID)')
  .option('--secret <secret>', 'the device\'s secret for the hub; prefer $EDGEFLEET_DEVICE_SECRET or --config, as other users can see command lines')
  .option('--state-dir <dir>', 'where the outbox of unsent messages, the message numbering, the models the hub sent and a claimed identity live (default .edgefleet-agent/<device-id>, or .edgefleet-agent/claimed with --claim-token); a model activated there is served on start instead of --model')
  .option('--claim-token <name.secret>', 'fleet provisioning: without --device-id/--secret, claim this device\'s identity from the hub with a claim token (`edgefleet claim-token add`) on first start, save it in --state-dir (identity.json, mode 0600, with the hub\'s public key) and run as that device; later starts reuse it and never send the token again (or $EDGEFLEET_CLAIM_TOKEN, or claimToken in --config)')
  .option('--serial <serial>', 'with --claim-token, the serial this device claims with: the hub names it <prefix>-<serial> (default /etc/machine-id, else the host name; or $EDGEFLEET_SERIAL)')
  .option('--status-interval <s>', `seconds between status messages to the hub (default ${RUN_DEFAULTS.statusInterval})`, num)
  .option('--keepalive <s>', `MQTT keepalive with the hub, seconds (default ${RUN_DEFAULTS.keepalive}); the hub sees the device offline about 1.5× this after it vanishes`, num)
  .option('--outbox-max-mb <mb>', `bound on the on-disk outbox, MiB (default ${RUN_DEFAULTS.outboxMaxMb}); when full, or when its disk is full (ENOSPC), the oldest predictions are dropped first and counted, labels and events kept; the agent keeps running and logs what to do`, num)
  .option('--drain-timeout <s>', `at the end of a run, seconds spent sending what the outbox holds (default ${RUN_DEFAULTS.drainTimeout}); the rest goes on the next run; a second Ctrl-C cuts it short`, num)
  .option('--shuffle <seed>', 'replay the --csv/--jsonl files mixed, in a random order fixed by this integer seed (reads them into memory first, up to 1 000 000 readings; each reading is stamped when replayed): a stationary stream from sorted data sets', num)
  .option('--no-drift', 'do not summarise, judge or send drift windows (costs ~7 µs per reading and ~3 ms per window of 128 features; off only for the fastest replays)')
  .option('--drift-window-samples <n>', 'close each drift window after n readings (default: the model package\'s, see `info`)', num)
  .option('--drift-window-seconds <s>', 'or s seconds after its first reading, whichever comes first (default: the model package\'s, see `info`)', num)
  .option('--drift-out <file>', 'also write each drift window\'s summary to this JSONL file (with or without --hub)')
  .option('--hub-public-key <file>', 'the hub\'s model-signing public key, PEM (or $EDGEFLEET_HUB_PUBLIC_KEY_FILE; `edgefleet device add` prints it): models the hub sends are activated only when signed with it')
  .option('--ca <file>', 'trust this CA certificate (PEM) for the hub over mqtts://, wss:// and its https:// model downloads, besides the system\'s CAs (or $EDGEFLEET_CA_FILE): the CA of a hub started with --tls-cert')
  .option('--max-model-mb <mb>', `largest model file the agent downloads from the hub, MiB (default ${RUN_DEFAULTS.maxModelMb})`, num)
  .option('--no-samples', 'do not upload training samples to the hub (on by default with --hub; image models upload none: frames do not fit in MQTT messages)')
  .option('--sample-confidence-below <c>', `with --hub, keep every reading whose top-1 confidence is below c as a training sample, reason low-confidence (default ${RUN_DEFAULTS.sampleConfidenceBelow}; 0: never)`, num)
  .option('--sample-drift-rate <r>', `while the agent's own drift state is drifting, keep the other readings with probability r, reason drift (default ${RUN_DEFAULTS.sampleDriftRate})`, num)
  .option('--sample-rate <r>', `otherwise keep a reading with probability r, reason random (default ${RUN_DEFAULTS.sampleRate}); all three 0 turn sampling off`, num)
  .option('--sample-max-per-minute <n>', `budget: at most n samples per minute, in bursts of up to a minute's worth (default ${RUN_DEFAULTS.sampleMaxPerMinute}); candidates over it are dropped and counted per reason`, num)
  .option('--sample-seed <n>', 'seed the sampling\'s random choices, for reproducible runs (default: random)', num)
  .option('--sample-flush-ms <ms>', `longest a kept sample waits before its samples message goes; also the least time between labels messages (default ${RUN_DEFAULTS.sampleFlushMs})`, num)
  .option('--send-labels', 'send each uploaded sample\'s true label (--label-column, or a reading\'s label) to the hub later, as lab results would arrive')
  .option('--label-delay <duration>', `with --send-labels, how long after its sample a label is sent: 0, 500ms, 30s, 2m, 1h (default ${RUN_DEFAULTS.labelDelay}); labels not yet due when the agent stops are kept in --state-dir and sent by the next run`)
  .option('--config <file>', 'JSON file with any of these settings (camelCase keys); flags override it')
  .addOption(new Option('--log-level <level>', `log level on stderr (default ${RUN_DEFAULTS.logLevel})`).choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent']))
  .action(async (flags: Record<string, unknown>, command: Command) => {
    // commander gives --no-x flags a default of true, which would override a config file's `x: false`
    for (const key of Object.keys(flags)) if (command.getOptionValueSource(key) === 'default') delete flags[key]
    const { json, ...rest } = flags
    const config = loadRunConfig(rest)
    await runCommand(config, makeLogger(config.logLevel), { json: json === true })
  })

program
  .command('self-test')
  .description('load a model package and run its self-test vectors; exit 0 when they pass')
  .requiredOption('-m, --model <dir|name>', 'model package directory, or a shipped model name')
  .addOption(new Option('--backend <kind>', 'inference backend').choices(['auto', 'wasm', 'native']).default('auto'))
  .option('--json', 'print the result as JSON')
  .action(async (o: { model: string; backend: 'auto' | 'wasm' | 'native'; json?: boolean }) => selfTestCommand(o))

program
  .command('info')
  .description('show a model package: inputs, outputs, training metrics, evaluations')
  .requiredOption('-m, --model <dir|name>', 'model package directory, or a shipped model name')
  .option('--json', 'print the manifest as JSON')
  .action(async (o: { model: string; json?: boolean }) => infoCommand(o))

program
  .command('backends')
  .description('list the inference backends that load on this machine')
  .option('--json', 'print as JSON')
  .action(async (o: { json?: boolean }) => backendsCommand(o))

try {
  await program.parseAsync(process.argv)
} catch (err) {
  // exit now: a source blocked on input (stdin held open, a broker still connecting) must not keep a failed run alive
  process.exit(exitCodeFor(err))
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // help and version exit 0; commander has already printed its message
    return err.exitCode === 0 ? 0 : 2
  }
  if (err instanceof AgentError) {
    const step = err.step ? ` (step ${err.step})` : ''
    process.stderr.write(`error ${err.code}${step}: ${err.message}\n`)
    return err.code === 'AGENT_USAGE' ? 2 : 1
  }
  process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`)
  return 1
}
