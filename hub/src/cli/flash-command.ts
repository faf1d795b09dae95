import type { Command } from 'commander'
import { sensorFilter } from '@edgefleet/protocol'
import { DEFAULT_AGENT_BUNDLE_DIR } from '../flash/agent-bundle.ts'
import { DEFAULT_INSTALL_DIR } from '../flash/device-files.ts'
import { flashDevice, type FlashResult } from '../flash/flash-device.ts'
import { DEFAULT_HUB_DATA_DIR } from '../paths.ts'
import { print, REGISTRY_URL_HELP, registryLocation } from './device-commands.ts'
import { UsageError } from './model-commands.ts'

interface FlashFlags {
  device?: string
  claimToken?: string
  out: string
  hub: string
  model: string
  dataDir: string
  registryUrl?: string
  agentBundle: string
  installDir: string
  force?: boolean
  json?: boolean
  mqttUrl?: string
  mqttTopic?: string
  snapshotUrl?: string
  ca?: string
}

const HUB_URL = /^(mqtt|mqtts|ws|wss):\/\/[^\s/]+/

/** `edgefleet flash`: a self-contained agent bundle for one device. */
export function registerFlashCommand(program: Command): void {
  program
    .command('flash')
    .description('write a self-contained agent bundle for a device: the agent (runs on plain node >= 20), its model, credentials, start script and systemd unit')
    .option('--device <id>', 'the device: registered if new; if it exists it gets a new secret, and earlier bundles for it stop connecting')
    .option('--claim-token <name.secret>', 'instead of --device: a batch image holding this claim token (`edgefleet claim-token add`, or $EDGEFLEET_CLAIM_TOKEN); every device that runs it claims its own id <prefix>-<serial> on first start')
    .requiredOption('--out <dir|file.tar.gz>', 'where to write the bundle: a directory, or a gzipped tarball (.tar.gz, .tgz)')
    .requiredOption('--hub <mqtt-url>', 'the hub\'s MQTT broker as the DEVICE reaches it: mqtt://hub.example:1883 (mqtts://, ws://, wss:// also work)')
    .option('--model <name[@version]|dir>', 'initial model: a registered version (name@version, or name for the newest), a package directory, or a shipped model', 'gas-sensor')
    .option('--mqtt-url <url>', 'source of readings on the device: a local broker its sensors publish to (written into config.json)')
    .option('--mqtt-topic <filter>', 'with --mqtt-url: the sensors\' topic filter (default ef/v1/sensors/<device>/+)')
    .option('--snapshot-url <url>', 'source of frames for an image model: a camera snapshot URL (the device needs sharp installed for camera sources)')
    .option('--ca <file>', 'CA certificate (PEM) the device trusts for the hub\'s mqtts:// or wss://, when the system does not (copied into the bundle as hub-ca.pem)')
    .option('--install-dir <dir>', 'where the bundle will live on the device (systemd unit, README)', DEFAULT_INSTALL_DIR)
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--agent-bundle <dir>', 'the built agent bundle', DEFAULT_AGENT_BUNDLE_DIR)
    .option('--force', 'replace --out if it exists')
    .option('--json', 'print the result (paths, sizes, model, credentials: added or rotated) as JSON; the secret stays in config.json only')
    .addHelpText('after', FLASH_HELP)
    .action(async (o: FlashFlags) => {
      const claimToken = o.claimToken ?? (o.device === undefined ? process.env.EDGEFLEET_CLAIM_TOKEN : undefined)
      if ((o.device === undefined) === (claimToken === undefined)) throw new UsageError('give either --device <id> (one device) or --claim-token <name.secret> (a batch image whose devices claim their ids)')
      if (claimToken !== undefined && o.mqttUrl !== undefined && o.mqttTopic === undefined) throw new UsageError('with --claim-token, give --mqtt-topic too: the device ids are not known yet, so there is no default ef/v1/sensors/<device>/+')
      if (!HUB_URL.test(o.hub)) throw new UsageError(`--hub ${JSON.stringify(o.hub)}: give the broker URL the device reaches, e.g. mqtt://hub.example:1883`)
      if (o.mqttTopic !== undefined && o.mqttUrl === undefined) throw new UsageError('--mqtt-topic goes with --mqtt-url (the broker the device\'s sensors publish to)')
      if (o.mqttUrl !== undefined && o.snapshotUrl !== undefined) throw new UsageError('--mqtt-url feeds a tabular model, --snapshot-url an image model: choose one')
      const sources = {
        ...(o.mqttUrl !== undefined ? { mqttUrl: o.mqttUrl, mqttTopic: o.mqttTopic ?? sensorFilter(o.device!) } : {}),
        ...(o.snapshotUrl !== undefined ? { snapshotUrl: o.snapshotUrl } : {}),
      }
      const result = await flashDevice({
        identity: claimToken !== undefined ? { claimToken } : { deviceId: o.device! }, out: o.out, hub: o.hub, model: o.model, dataDir: o.dataDir, registryUrl: registryLocation(o).registryUrl, agentBundleDir: o.agentBundle,
        installDir: o.installDir, force: o.force === true, sources, caFile: o.ca,
        onStep: o.json ? undefined : (line) => process.stderr.write(`  ${line}\n`),
      })
      if (o.json) return print(JSON.stringify(result, null, 2))
      printResult(result)
    })
}

const FLASH_HELP = `
Example:
  edgefleet flash --device pi-01 --hub mqtt://192.168.1.10:1883 --model gas-sensor --out pi-01.tar.gz
  edgefleet claim-token add line-3 --prefix line3 --max-uses 50 --expires 30d     # prints line-3.<secret> once
  edgefleet flash --claim-token line-3.<secret> --hub mqtt://192.168.1.10:1883 --out line3.tar.gz   # one image for all 50
  scp pi-01.tar.gz pi@pi-01: && ssh pi@pi-01 'mkdir bundle && tar -xzf pi-01.tar.gz -C bundle && bundle/start.sh --csv readings.csv'

The bundle needs only Node.js 20 or newer on the device: no npm install, no repository. Its README.txt
says how to install it as a systemd service (/opt/edgefleet by default, see --install-dir).
config.json holds the device's secret or the claim token (mode 0600): treat the bundle like a password. Flashing a device
that exists gives it a new secret, so bundles flashed for it before stop connecting.
The agent bundle is built by \`npx --yes pnpm@12.4.2 --filter @edgefleet/edge-agent build:bundle\`.`

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

function printResult(r: FlashResult): void {
  print(`flashed ${r.deviceId}: ${r.out}`)
  print(`  model ${r.model.name}@${r.model.version} (${r.model.from}), agent ${r.agentVersion}`)
  print(r.credentials === 'claim'
    ? '  batch image: config.json holds the claim token; each device claims its own id and secret on first start'
    : `  device ${r.credentials === 'added' ? 'registered with a new secret' : 'has a new secret: bundles flashed for it before no longer connect'} (in config.json only)`)
  const packed = r.sizes.packed === undefined ? '' : `, ${mib(r.sizes.packed)} as .tar.gz`
  print(`  size ${mib(r.sizes.total)} unpacked${packed}: agent JS ${mib(r.sizes.js)}, WASM ${mib(r.sizes.wasm)}, model ${mib(r.sizes.model)}`)
  if (!r.hasSource) print('  no source of readings in config.json: give one to start.sh (--csv FILE) or add mqttUrl/mqttTopic before enabling the service (README.txt)')
  print(r.kind === 'tar.gz' ? '  install: see README.txt inside (tar -xzf into /opt/edgefleet, systemctl enable)' : `  try it: ${r.out}/start.sh --csv readings.csv`)
}
