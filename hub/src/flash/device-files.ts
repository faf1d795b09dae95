/** The files of a flashed bundle besides the agent and the model: pure text from the device's settings. */

/** The agent bundle's file that `start.sh` runs. */
export const AGENT_FILE = 'edgefleet-agent.mjs'
export const CONFIG_FILE = 'config.json'
export const PUBLIC_KEY_FILE = 'hub-public-key.pem'
/** The CA certificate the device trusts for the hub's TLS (`--ca`), when flashed with one. */
export const CA_FILE = 'hub-ca.pem'
export const MODEL_DIR = 'model'
export const STATE_DIR = 'state'
export const START_SCRIPT = 'start.sh'
export const UNIT_FILE = 'edgefleet-agent.service'
export const README_FILE = 'README.txt'
/** Where the README and the systemd unit expect the bundle (`--install-dir`). */
export const DEFAULT_INSTALL_DIR = '/opt/edgefleet'
/** The system user the unit runs the agent as. */
export const SERVICE_USER = 'edgefleet'
/** The oldest Node.js major the bundle runs on (esbuild target `node20`). */
export const MIN_NODE_MAJOR = 20

/** Sources of readings written into the device's config (the agent's `run` settings of the same names). */
export interface DeviceSources {
  mqttUrl?: string | undefined
  mqttTopic?: string | undefined
  snapshotUrl?: string | undefined
}

/** Who the flashed device is: one registered device, or a claim token for a batch (each device claims its own identity on first start). */
export type DeviceIdentity = { deviceId: string; secret: string } | { claimToken: string }

export type DeviceConfigOptions = DeviceIdentity & {
  /** the URL the device reaches the hub's MQTT broker at */
  hub: string
  sources?: DeviceSources
  /** the bundle carries {@link CA_FILE} (a hub with TLS whose certificate the system does not trust) */
  ca?: boolean
}

/**
 * The agent's `config.json` (settings of `edgefleet-agent run`, camelCase). Paths are relative: the
 * agent resolves a config file's paths against the file's directory, so the bundle can live anywhere.
 * Predictions go to the hub only (`format: none`): under systemd, stdout is the journal.
 */
export function deviceConfig(o: DeviceConfigOptions): Record<string, unknown> {
  const sources = Object.fromEntries(Object.entries(o.sources ?? {}).filter(([, v]) => v !== undefined))
  return {
    model: `./${MODEL_DIR}`,
    hub: o.hub,
    ...('claimToken' in o ? { claimToken: o.claimToken } : { deviceId: o.deviceId, secret: o.secret }),
    stateDir: `./${STATE_DIR}`,
    hubPublicKey: `./${PUBLIC_KEY_FILE}`,
    ...(o.ca ? { ca: `./${CA_FILE}` } : {}),
    format: 'none',
    logLevel: 'info',
    ...sources,
  }
}

/** True when the config names a source of readings, so `start.sh` runs with no arguments (as systemd starts it). */
export function hasSource(sources: DeviceSources | undefined): boolean {
  return sources?.mqttUrl !== undefined || sources?.snapshotUrl !== undefined
}

/**
 * `start.sh`: finds its own directory (so it runs from anywhere, through a symlink too), checks that
 * node is there and new enough, and runs the agent with the config beside it; extra arguments go to
 * `edgefleet-agent run` (a source such as `--csv FILE`, or any setting to override).
 */
export function startScript(deviceId: string): string {
  return `#!/bin/sh
# edgefleet agent for ${deviceId}, written by \`edgefleet flash\`.
# Usage: ./start.sh [edgefleet-agent run options, e.g. --csv readings.csv]
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$(readlink -f -- "$0" 2>/dev/null || printf '%s' "$0")")" && pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "edgefleet-agent: node was not found on PATH: install Node.js ${MIN_NODE_MAJOR} or newer (https://nodejs.org)" >&2
  exit 127
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt ${MIN_NODE_MAJOR} ]; then
  echo "edgefleet-agent: this is Node.js $(node --version), the agent needs ${MIN_NODE_MAJOR} or newer: upgrade node" >&2
  exit 1
fi
exec node "$here/${AGENT_FILE}" run --config "$here/${CONFIG_FILE}" "$@"
`
}

export interface UnitOptions {
  /** the device id, or what a batch image is called (`claim token <name>`), for descriptions and comments */
  deviceId: string
  installDir: string
}

/**
 * The systemd unit: a dedicated user, restart on any exit, and the hardening options that leave
 * node working (not MemoryDenyWriteExecute: V8's JIT writes executable memory). The file system is
 * read-only to the agent except its state directory.
 */
export function systemdUnit(o: UnitOptions): string {
  const dir = o.installDir
  return `[Unit]
Description=edgefleet agent (${o.deviceId})
Documentation=file://${dir}/${README_FILE}
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=${SERVICE_USER}
Group=${SERVICE_USER}
WorkingDirectory=${dir}
ExecStart=${dir}/${START_SCRIPT}
Restart=always
RestartSec=5
# SIGTERM stops the agent, which then sends what its outbox holds for a few seconds
TimeoutStopSec=30
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${dir}/${STATE_DIR}
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
AmbientCapabilities=

[Install]
WantedBy=multi-user.target
`
}

export interface ReadmeOptions extends UnitOptions {
  hub: string
  model: string
  /** whether the config names a source of readings */
  hasSource: boolean
  /** a batch image: the config holds a claim token, each device claims its own id on first start */
  claim?: boolean
}

/** How to install and run the bundle. */
export function readme(o: ReadmeOptions): string {
  const dir = o.installDir
  const source = o.hasSource
    ? ''
    : `
The config names no source of readings yet. Give one to start.sh (./start.sh --csv readings.csv), or
add it to ${CONFIG_FILE} before enabling the service, e.g.
  "mqttUrl": "mqtt://localhost:1883", "mqttTopic": "${o.claim ? 'ef/v1/sensors/+/+' : `ef/v1/sensors/${o.deviceId}/+`}"
`
  const identity = o.claim
    ? `${CONFIG_FILE} holds a claim token (mode 0600), not a device identity: on its first start each device
that runs this bundle claims its own id and secret from the hub (its serial is /etc/machine-id, or the
host name; override with --serial) and keeps them in ${STATE_DIR}/identity.json (mode 0600). Revoke the
claim token (\`edgefleet claim-token revoke\`) once the batch is in service.
`
    : `The secret in ${CONFIG_FILE} is this bundle's alone: flashing ${o.deviceId} again gives it a new secret,
and this bundle then no longer connects.
`
  return `edgefleet agent bundle for ${o.claim ? o.deviceId : `device ${o.deviceId}`}
model ${o.model}, hub ${o.hub}

Needs only Node.js ${MIN_NODE_MAJOR} or newer (node on PATH). Try it in place:
  ./start.sh --csv readings.csv        (any edgefleet-agent run option; ./start.sh --help lists them)

Install as a service (systemd):
  sudo useradd --system --home-dir ${dir} --shell /usr/sbin/nologin ${SERVICE_USER}
  sudo mkdir -p ${dir} && sudo tar -xzf <this bundle>.tar.gz -C ${dir}    (or copy this directory there)
  sudo mkdir -p ${dir}/${STATE_DIR} && sudo chown -R ${SERVICE_USER}:${SERVICE_USER} ${dir}
  sudo cp ${dir}/${UNIT_FILE} /etc/systemd/system/
  sudo systemctl daemon-reload && sudo systemctl enable --now ${UNIT_FILE}
  journalctl -u ${UNIT_FILE} -f
${source}
Files:
  ${AGENT_FILE}        the agent (one file), with wasm/ (onnxruntime's WebAssembly) beside it
  ${CONFIG_FILE}              settings of \`edgefleet-agent run\`; holds the ${o.claim ? 'claim token' : 'device\'s secret'} (mode 0600)
  ${PUBLIC_KEY_FILE}       the hub's model-signing key: models the hub sends are checked against it
  ${MODEL_DIR}/                   the initial model package; models the hub deploys later live in ${STATE_DIR}/
  ${STATE_DIR}/                   outbox of unsent messages, message numbering, deployed models
  ${START_SCRIPT}, ${UNIT_FILE}

${identity}`
}
