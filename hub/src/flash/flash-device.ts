import { existsSync, readdirSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { parseOperatorToken } from '../auth/operator-token.ts'
import { HubError } from '../errors.ts'
import { decideClaim } from '../provisioning/claim-policy.ts'
import { hubPaths } from '../paths.ts'
import { SigningKeys } from '../signing/signing-keys.ts'
import { openRegistry } from '../registry/open-registry.ts'
import type { RegistryStore } from '../registry/registry-store.ts'
import { readAgentBundle } from './agent-bundle.ts'
import { copyAgent, listFiles, packBundle, scriptMode, SECRET_FILE_MODE, writeModel, writeText } from './bundle-files.ts'
import {
  CA_FILE, CONFIG_FILE, deviceConfig, hasSource, type DeviceIdentity, PUBLIC_KEY_FILE, readme, README_FILE, START_SCRIPT, startScript, systemdUnit, UNIT_FILE,
  type DeviceSources,
} from './device-files.ts'
import { resolveFlashModel } from './flash-model.ts'

export interface FlashOptions {
  /** one device (registered if new, else given a new secret), or a claim token `<name>.<secret>` for a batch image */
  identity: { deviceId: string } | { claimToken: string }
  /** a directory, or a file ending in .tar.gz / .tgz */
  out: string
  /** the URL the device reaches the hub's MQTT broker at */
  hub: string
  /** package directory, registered `name[@version]`, or shipped model name */
  model: string
  dataDir: string
  /** the hub's PostgreSQL registry (postgres://…) instead of the SQLite one in dataDir */
  registryUrl?: string | undefined
  /** the built agent bundle (default edge-agent/dist/bundle) */
  agentBundleDir?: string | undefined
  /** where the bundle is installed on the device, for the systemd unit and the README */
  installDir: string
  /** replace an existing `out` */
  force: boolean
  sources?: DeviceSources
  /** a PEM file of the CA certificate(s) the device should trust for the hub's mqtts:// or wss:// */
  caFile?: string | undefined
  /** one line per step, for people */
  onStep?: (line: string) => void
}

/** Bytes of the bundle, unpacked and (for a tarball) packed. */
export interface BundleSizes {
  total: number
  /** the agent's JavaScript (the bundle file and its CSV worker) */
  js: number
  /** onnxruntime-web's WebAssembly and its loader */
  wasm: number
  model: number
  /** the .tar.gz file */
  packed?: number
}

export interface FlashResult {
  /** the device id, or `claim token <name>` for a batch image */
  deviceId: string
  out: string
  kind: 'dir' | 'tar.gz'
  /** `added` a new device, `rotated` an existing device's secret (earlier bundles for it stop working), or `claim` (each device claims its own) */
  credentials: 'added' | 'rotated' | 'claim'
  model: { name: string; version: string; from: string }
  agentVersion: string
  sizes: BundleSizes
  files: { path: string; bytes: number }[]
  /** the config names a source of readings, so the service runs without arguments */
  hasSource: boolean
}

const TARBALL = /\.(tar\.gz|tgz)$/

/**
 * Writes a self-contained agent bundle for one device, in named steps: check-output → find-agent →
 * resolve-model → stage (agent, model, key, scripts) → credentials → write-config → pack. The
 * device's credentials change only after everything else is in place, so a failed flash leaves the
 * device as it was (unless packing itself fails). A failure names its step.
 */
export async function flashDevice(o: FlashOptions): Promise<FlashResult> {
  const step = o.onStep ?? (() => undefined)
  const out = resolve(o.out)
  const kind = TARBALL.test(out) ? 'tar.gz' : 'dir'
  checkOutput(out, kind, o.force)
  const agent = await readAgentBundle(o.agentBundleDir)
  step(`agent bundle ${agent.agentVersion} (built ${agent.builtAt})`)
  const paths = hubPaths(o.dataDir)
  const registry = await openRegistry({ dataDir: o.dataDir, ...(o.registryUrl !== undefined ? { registryUrl: o.registryUrl } : {}), registryPoolSize: 2 })
  // a directory is staged beside its final place (renamed into it), a tarball anywhere
  const staged = await mkdtemp(kind === 'dir' ? join(dirname(out), `.${basename(out)}.flash-`) : join(tmpdir(), 'edgefleet-flash-'))
  try {
    const claim = 'claimToken' in o.identity ? await checkClaimToken(registry, o.identity.claimToken) : null
    const label = claim ? `claim token ${claim.name}` : (o.identity as { deviceId: string }).deviceId
    const existing = claim ? null : await registry.getDevice(label)
    if (existing?.revokedAt != null) {
      throw new HubError('HUB_USAGE', `device ${label} was revoked: remove it (\`edgefleet device remove ${label}\`) and flash again to register it anew`)
    }
    const model = await resolveFlashModel(o.model, registry, paths.models)
    const { name, version } = model.manifest
    step(`model ${name}@${version} (${model.from})`)
    await copyAgent(agent, staged)
    await writeModel(model, staged)
    const keys = await SigningKeys.loadOrCreate(paths.keys)
    await writeText(join(staged, PUBLIC_KEY_FILE), keys.publicKeyPem)
    if (o.caFile !== undefined) await writeText(join(staged, CA_FILE), await readCa(o.caFile))
    const unit = { deviceId: label, installDir: o.installDir }
    const withSource = hasSource(o.sources)
    await writeText(join(staged, START_SCRIPT), startScript(label), scriptMode)
    await writeText(join(staged, UNIT_FILE), systemdUnit(unit))
    await writeText(join(staged, README_FILE), readme({ ...unit, hub: o.hub, model: `${name}@${version}`, hasSource: withSource, claim: claim !== null }))
    step('staged the agent, the model, the hub\'s public key, start.sh and the systemd unit')
    let credentials: FlashResult['credentials']
    let identity: DeviceIdentity
    if (claim) {
      identity = { claimToken: claim.token }
      credentials = 'claim'
    } else if (existing) {
      identity = { deviceId: label, secret: await registry.rotateDeviceSecret(label) }
      credentials = 'rotated'
    } else {
      identity = { deviceId: label, secret: (await registry.addDevice(label)).secret }
      credentials = 'added'
    }
    step({ claim: `${label}: each device claims its own id on first start`, added: `device ${label} registered`, rotated: `device ${label}: new secret (earlier bundles for it no longer connect)` }[credentials])
    await writeText(join(staged, CONFIG_FILE), `${JSON.stringify(deviceConfig({ hub: o.hub, ...identity, ca: o.caFile !== undefined, ...(o.sources ? { sources: o.sources } : {}) }), null, 2)}\n`, SECRET_FILE_MODE)
    const files = await listFiles(staged)
    const packed = await packBundle(staged, out, kind)
    step(`wrote ${out}`)
    return {
      deviceId: label, out, kind, credentials, model: { name, version, from: model.from }, agentVersion: agent.agentVersion,
      sizes: sizesOf(files, packed), files, hasSource: withSource,
    }
  } finally {
    await rm(staged, { recursive: true, force: true })
    await registry.close()
  }
}

/**
 * A batch image carries the claim token itself: check it now (known, secret right, not revoked, not
 * expired, uses left) so that a typo fails here rather than on every device at its first start.
 */
async function checkClaimToken(registry: RegistryStore, token: string): Promise<{ name: string; token: string }> {
  const usage = 'give --claim-token as <name>.<secret>, exactly as `edgefleet claim-token add` printed it'
  // claim tokens have the operator tokens' <name>.<secret> form and name rules
  const parsed = parseOperatorToken(token)
  if (!parsed) throw new HubError('HUB_USAGE', `--claim-token: ${usage}`)
  const record = await registry.getClaimToken(parsed.name)
  if (!record || !(await registry.verifyClaimToken(parsed.name, parsed.secret))) {
    throw new HubError('HUB_CLAIM_TOKEN_NOT_FOUND', `--claim-token: no claim token ${JSON.stringify(parsed.name)} with that secret in this hub's registry: ${usage} (see \`edgefleet claim-token list\`)`)
  }
  // the hub's own rule for a new device's claim: what a device running this image would be told
  const decision = decideClaim({ token: record, serial: 'flash', existing: null, now: Date.now() })
  if (decision.action === 'refuse') {
    const code = decision.code === 'PROVISION_TOKEN_USED_UP' ? 'HUB_CLAIM_TOKEN_USED_UP' : 'HUB_USAGE'
    throw new HubError(code, `--claim-token: devices flashed with it would be refused (${decision.code}): ${decision.message}; create another with \`edgefleet claim-token add\``)
  }
  return { name: parsed.name, token }
}

async function readCa(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch((cause: unknown) => {
    throw new HubError('HUB_USAGE', `cannot read --ca ${path}: ${(cause as Error).message}`, { cause })
  })
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new HubError('HUB_USAGE', `--ca ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the CA certificate that signed the hub's, e.g. ca.crt`)
  return text
}

function checkOutput(out: string, kind: 'dir' | 'tar.gz', force: boolean): void {
  if (!existsSync(dirname(out))) {
    throw new HubError('HUB_USAGE', `--out ${out}: the directory ${dirname(out)} does not exist: create it first`)
  }
  if (!existsSync(out) || force) return
  if (kind === 'dir' && statSync(out).isDirectory() && readdirSync(out).length === 0) return
  throw new HubError('HUB_FLASH_OUTPUT_EXISTS', `--out ${out} exists${kind === 'dir' ? ' and is not empty' : ''}: pass --force to replace it, or choose another path`)
}

function sizesOf(files: { path: string; bytes: number }[], packed: number | undefined): BundleSizes {
  const sum = (keep: (path: string) => boolean): number => files.filter((f) => keep(f.path)).reduce((s, f) => s + f.bytes, 0)
  return {
    total: sum(() => true),
    js: sum((p) => !p.includes('/') && p.endsWith('.mjs')),
    wasm: sum((p) => p.startsWith('wasm/')),
    model: sum((p) => p.startsWith('model/')),
    ...(packed === undefined ? {} : { packed }),
  }
}
