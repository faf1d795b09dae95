import type { Command } from 'commander'
import { HubError } from '../errors.ts'
import { DEFAULT_HUB_DATA_DIR, hubPaths } from '../paths.ts'
import type { DeviceRecord } from '../registry/registry-store.ts'
import { SigningKeys } from '../signing/signing-keys.ts'
import { describeRegistry, openRegistry, REGISTRY_URL_ENV } from '../registry/open-registry.ts'
import type { RegistryStore } from '../registry/registry-store.ts'
import { UsageError } from './model-commands.ts'
import { LINK_OPTION_HELP, agentPageUrl, provisioningLink } from './provisioning-link.ts'
import { HUB_FLAG_HELP, registerDeviceRevokeCommand, rotateThroughHub, TOKEN_FLAG_HELP } from './device-api-commands.ts'

const TAG_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const MAX_TAG_VALUE = 256

/** `edgefleet device …`: register devices, list them, remove them, rotate their secrets. */
export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').description('devices: register them (each gets a secret shown once), list, revoke, remove, rotate secrets')
  device
    .command('add <id>')
    .description('register a device and print its secret once (MQTT username = id, password = secret)')
    .option('--tag <key=value>', 'tag the device (repeatable)', collect, [])
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--link <hub-url>', LINK_OPTION_HELP)
    .option('--json', 'print {…device, secret, hubPublicKey, link?} as JSON')
    .addHelpText('after', LINK_HELP)
    .action(async (id: string, o: { tag: string[]; dataDir: string; registryUrl?: string; link?: string; json?: boolean }) => {
      const tags = parseTags(o.tag)
      // checked before anything is stored: a bad URL must not leave a device whose secret nobody saw
      if (o.link !== undefined) agentPageUrl(o.link)
      const { device: added, secret } = await withRegistry(o, (r) => r.addDevice(id, tags))
      // the device checks every model it is sent against this key (created on first use)
      const keys = await SigningKeys.loadOrCreate(hubPaths(o.dataDir).keys)
      const hubPublicKey = { alg: 'ed25519', keyId: keys.keyId, pem: keys.publicKeyPem }
      const link = o.link === undefined ? undefined : provisioningLink(o.link, { deviceId: added.id, secret, publicKeyPem: keys.publicKeyPem })
      if (o.json) return print(JSON.stringify({ ...added, secret, hubPublicKey, ...(link ? { link } : {}) }, null, 2))
      print(`device ${added.id} added${formatTags(added.tags) === '-' ? '' : ` (${formatTags(added.tags)})`}; it connects to the hub's MQTT broker with`)
      print(`  id (MQTT username):     ${added.id}`)
      printSecret('secret (MQTT password)', secret)
      print(`It accepts models signed with the hub's Ed25519 key ${keys.keyId} (${hubPaths(o.dataDir).keys}/model-signing.pub):`)
      print(keys.publicKeyPem.trimEnd())
      if (link) printLink(link)
      print(`If it is lost, give the device a new one with \`edgefleet device rotate-secret ${added.id}\`${link ? ' --link …' : ''}.`)
    })
  device
    .command('list')
    .description('list devices: id, tags, online, last seen, model@version, agent version')
    .option('--tag <key=value>', 'only devices with this tag (repeatable; all must match)', collect, [])
    .option('--online', 'only devices that are online now')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print the devices as JSON')
    .action(async (o: { tag: string[]; online?: boolean; dataDir: string; registryUrl?: string; json?: boolean }) => {
      const filter = { tags: parseTags(o.tag), ...(o.online ? { online: true } : {}) }
      const devices = await withRegistry(o, (r) => r.listDevices(filter))
      if (o.json) return print(JSON.stringify(devices, null, 2))
      if (devices.length === 0) return print('no devices match; add one with `edgefleet device add <id>`')
      process.stdout.write(formatTable(['ID', 'TAGS', 'ONLINE', 'LAST SEEN', 'MODEL', 'AGENT'], devices.map(deviceRow)))
    })
  device
    .command('remove <id>')
    .description('remove a device: its secret stops working and its stored events are deleted')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .action(async (id: string, o: { dataDir: string; registryUrl?: string }) => {
      const removed = await withRegistry(o, (r) => r.removeDevice(id))
      if (!removed) throw notFound(id, o)
      print(`device ${id} removed`)
    })
  registerDeviceRevokeCommand(device)
  device
    .command('rotate-secret <id>')
    .description('give a device a new secret (printed once); the old one stops working (with --hub/--token: through the running hub, which also drops a connection made with the old one)')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--hub <url>', `${HUB_FLAG_HELP}; with --hub or --token the running hub rotates the secret and disconnects the device at once`)
    .option('--token <name.secret>', TOKEN_FLAG_HELP)
    .option('--link <hub-url>', LINK_OPTION_HELP)
    .option('--json', 'print {id, secret, link?} as JSON')
    .addHelpText('after', LINK_HELP)
    .action(async (id: string, o: { dataDir: string; registryUrl?: string; hub?: string; token?: string; link?: string; json?: boolean }) => {
      if (o.hub !== undefined || o.token !== undefined) return rotateThroughHub(id, o)
      if (o.link !== undefined) agentPageUrl(o.link)
      const secret = await withRegistry(o, (r) => r.rotateDeviceSecret(id))
      const link = o.link === undefined ? undefined : provisioningLink(o.link, { deviceId: id, secret, publicKeyPem: (await SigningKeys.loadOrCreate(hubPaths(o.dataDir).keys)).publicKeyPem })
      if (o.json) return print(JSON.stringify({ id, secret, ...(link ? { link } : {}) }, null, 2))
      print(`device ${id} has a new secret; the old one no longer works`)
      printSecret('secret', secret)
      if (link) printLink(link)
    })
}

const LINK_HELP = `
Browser devices: with --link <hub-url>, open the printed link in a browser (a phone or a laptop with a
camera) to make that tab this device: the hub's /agent page keeps the credentials in the browser's
storage, streams the webcam through the model the hub deploys to the device, and reports like any agent.
The hub keeps only a hash of the secret, so a link is printed only when a secret is made: here, or by
\`edgefleet device rotate-secret <id> --link <hub-url>\` (which also stops the old link). Browsers allow
the camera on https:// pages and on http://localhost only: serve the hub behind TLS for phones.`

function printLink(link: string): void {
  print('Provisioning link (it holds the secret: share it as one; open it on the device):')
  print(`  ${link}`)
}

/** `--registry-url`'s help, the same on every command that opens the registry. */
export const REGISTRY_URL_HELP =
  `the hub's PostgreSQL registry, postgres://user:password@host:5432/database (env ${REGISTRY_URL_ENV}, which keeps the password out of ps); default: the SQLite registry in --data-dir`

/** The flags of a command that opens the registry: --data-dir, and --registry-url (or its environment variable). */
export interface RegistryFlags {
  dataDir: string
  registryUrl?: string
}

/** The registry the flags name: --registry-url, else EDGEFLEET_REGISTRY_URL, else the SQLite file in --data-dir. */
export function registryLocation(where: string | RegistryFlags): { dataDir: string; registryUrl?: string } {
  const flags = typeof where === 'string' ? { dataDir: where } : where
  const registryUrl = flags.registryUrl ?? (process.env[REGISTRY_URL_ENV] || undefined)
  return registryUrl === undefined ? { dataDir: flags.dataDir } : { dataDir: flags.dataDir, registryUrl }
}

/** Opens the registry the flags name (a data directory alone: its SQLite file, or EDGEFLEET_REGISTRY_URL) for one command and always closes it. */
export async function withRegistry<T>(where: string | RegistryFlags, fn: (registry: RegistryStore) => Promise<T>): Promise<T> {
  const registry = await openRegistry({ ...registryLocation(where), registryPoolSize: 2 })
  try {
    return await fn(registry)
  } finally {
    await registry.close()
  }
}

/** Prints a secret with the line that says it will never be shown again. */
export function printSecret(label: string, secret: string): void {
  print(`  ${label}: ${secret}`)
  print('Store it now; the hub keeps only a hash and cannot show it again.')
}

/** Left-aligned columns separated by two spaces, a header row first. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')
  return `${[header, ...rows].map(line).join('\n')}\n`
}

function deviceRow(d: DeviceRecord): string[] {
  return [
    d.id,
    formatTags(d.tags),
    d.revokedAt !== null ? 'revoked' : d.online ? 'yes' : 'no',
    d.lastSeen === null ? 'never' : `${new Date(d.lastSeen).toISOString().slice(0, 19).replace('T', ' ')}Z`,
    d.model ? `${d.model.name}@${d.model.version}` : '-',
    d.agentVersion ?? '-',
  ]
}

export function formatTags(tags: Record<string, string>): string {
  const pairs = Object.entries(tags).map(([k, v]) => `${k}=${v}`)
  return pairs.length > 0 ? pairs.join(',') : '-'
}

/** `--tag k=v` flags into a tag object; a UsageError naming the bad flag. */
export function parseTags(specs: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {}
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    const key = eq < 0 ? spec : spec.slice(0, eq)
    const value = eq < 0 ? '' : spec.slice(eq + 1)
    if (!TAG_KEY.test(key) || value.length === 0 || value.length > MAX_TAG_VALUE) {
      throw new UsageError(`--tag ${JSON.stringify(spec)}: write key=value, the key of letters, digits, '_', '.', '-', the value 1–${MAX_TAG_VALUE} characters`)
    }
    if (Object.hasOwn(tags, key)) throw new UsageError(`--tag ${key} is given twice`)
    tags[key] = value
  }
  return tags
}

/** commander collector for repeatable flags */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

function notFound(id: string, o: RegistryFlags): HubError {
  return new HubError('HUB_DEVICE_NOT_FOUND', `no device ${JSON.stringify(id)} in ${describeRegistry(registryLocation(o))}: see \`edgefleet device list\` with the same --data-dir or --registry-url`)
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`)
}
