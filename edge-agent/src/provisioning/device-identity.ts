import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { RunConfig } from '../cli/run-config.ts'
import { writeFileAtomic } from '../deploy/atomic-file.ts'
import type { Logger } from '../errors.ts'
import { AGENT_VERSION } from '../version.ts'
import { claimIdentity } from './claim-identity.ts'
import { parseClaimToken } from './claim-token.ts'
import { readIdentity, saveIdentity, type SavedIdentity } from './identity-file.ts'

/**
 * Default state directory of an agent that claims its identity (`--claim-token` without
 * `--state-dir`): no device id is known before the claim, so it cannot be `.edgefleet-agent/<id>`.
 */
export const CLAIMED_STATE_DIR = join('.edgefleet-agent', 'claimed')

/** Where a claimed device keeps the hub's public key when none is configured. */
export const HUB_PUBLIC_KEY_FILE = 'hub-public-key.pem'

/** True when `config` makes the agent claim (or reuse a claimed) identity instead of a configured one. */
export function usesClaim(config: Pick<RunConfig, 'hub' | 'deviceId' | 'secret' | 'claimToken'>): boolean {
  return config.hub !== undefined && config.claimToken !== undefined && !(config.deviceId && config.secret)
}

/**
 * The device identity of a run. With a configured id and secret (or without --hub, or without a
 * claim token) the configuration as it is. Otherwise the named steps
 * `read-saved → claim → save → use`: an identity saved in the state directory is used as it is and the
 * claim token never again; without one the agent claims an identity from the hub and saves it
 * (`identity.json`, mode 0600) before using it. The hub's public key comes with it and is used unless
 * --hub-public-key names one.
 */
export async function resolveDeviceIdentity(config: Readonly<RunConfig>, logger: Logger, o: { ca?: string | undefined; signal?: AbortSignal } = {}): Promise<Readonly<RunConfig>> {
  if (!usesClaim(config)) return config
  const stateDir = config.stateDir ?? CLAIMED_STATE_DIR
  let identity = await readIdentity(stateDir)
  if (identity) {
    logger.info({ deviceId: identity.deviceId, stateDir }, 'using the identity this device claimed before')
  } else {
    const token = parseClaimToken(config.claimToken!)
    const serial = config.serial ?? (await defaultSerial())
    const claimed = await claimIdentity({ url: config.hub!, ca: o.ca, token, serial, agentVersion: AGENT_VERSION, logger, ...(o.signal ? { signal: o.signal } : {}) })
    identity = { v: 1, deviceId: claimed.deviceId, secret: claimed.secret, hubPublicKey: claimed.hubPublicKey, claimedWith: { token: token.name, serial }, claimedAt: Date.now() }
    await saveIdentity(stateDir, identity)
    logger.info({ deviceId: identity.deviceId, serial, reissued: claimed.reissued, stateDir }, 'claimed an identity from the hub')
  }
  const hubPublicKey = config.hubPublicKey ?? (await keepPublicKey(stateDir, identity))
  return Object.freeze({ ...config, deviceId: identity.deviceId, secret: identity.secret, stateDir, hubPublicKey })
}

/** This machine's serial: /etc/machine-id (systemd), else the host name. */
export async function defaultSerial(): Promise<string> {
  const id = await readFile('/etc/machine-id', 'utf8').then((t) => t.trim(), () => '')
  return /^[\x21-\x7e]{1,128}$/.test(id) ? id : hostname().slice(0, 128)
}

async function keepPublicKey(stateDir: string, identity: SavedIdentity): Promise<string> {
  const file = join(stateDir, HUB_PUBLIC_KEY_FILE)
  const current = await readFile(file, 'utf8').catch(() => null)
  if (current !== identity.hubPublicKey.pem) await writeFileAtomic(file, identity.hubPublicKey.pem)
  return file
}
