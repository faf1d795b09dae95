import { isDeviceId } from '@edgefleet/protocol'
import { AgentError } from '../../src/errors.ts'

/** What makes this browser a device: its credentials and the hub key its models must be signed with. */
export interface Provisioning {
  deviceId: string
  secret: string
  /** the hub's Ed25519 public key: SPKI DER, base64url */
  hubKey: string
}

/** The storage key the provisioning is kept under (one device per browser origin). */
export const PROVISIONING_STORAGE_KEY = 'edgefleet.device'

/** Where the page keeps it: `localStorage`, or a stand-in in tests. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>

const BASE64URL = /^[A-Za-z0-9_-]+$/

/**
 * Reads the provisioning link's fragment (`#device=…&secret=…&key=…`, made by `edgefleet device add
 * --link`): `null` when the fragment carries none; AGENT_USAGE naming what is wrong with one that is
 * damaged (a link cut short when it was copied).
 */
export function parseProvisioningFragment(hash: string): Provisioning | null {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash)
  if (!params.has('device') && !params.has('secret') && !params.has('key')) return null
  const deviceId = params.get('device') ?? ''
  const secret = params.get('secret') ?? ''
  const hubKey = params.get('key') ?? ''
  const redo = 'print a new link with `edgefleet device rotate-secret <id> --link <hub-url>` and open it whole'
  if (!isDeviceId(deviceId)) throw new AgentError('AGENT_USAGE', `the provisioning link names no valid device id (${JSON.stringify(deviceId)}): ${redo}`)
  if (secret.length === 0) throw new AgentError('AGENT_USAGE', `the provisioning link for ${deviceId} has no secret: ${redo}`)
  if (!BASE64URL.test(hubKey)) throw new AgentError('AGENT_USAGE', `the provisioning link for ${deviceId} has no hub key: ${redo}`)
  return { deviceId, secret, hubKey }
}

/**
 * The provisioning of this page: from the link's fragment when it has one (then stored, replacing any
 * earlier device), else what an earlier visit stored; `null` when the browser has never been provisioned.
 * `fromLink` tells the caller to take the secret out of the address bar.
 */
export function takeProvisioning(hash: string, store: KeyValueStore): { provisioning: Provisioning | null; fromLink: boolean } {
  const linked = parseProvisioningFragment(hash)
  if (linked) {
    store.setItem(PROVISIONING_STORAGE_KEY, JSON.stringify(linked))
    return { provisioning: linked, fromLink: true }
  }
  return { provisioning: storedProvisioning(store), fromLink: false }
}

function storedProvisioning(store: KeyValueStore): Provisioning | null {
  const text = store.getItem(PROVISIONING_STORAGE_KEY)
  if (text === null) return null
  try {
    const v = JSON.parse(text) as Partial<Provisioning>
    if (typeof v.deviceId === 'string' && isDeviceId(v.deviceId) && typeof v.secret === 'string' && typeof v.hubKey === 'string' && BASE64URL.test(v.hubKey)) {
      return { deviceId: v.deviceId, secret: v.secret, hubKey: v.hubKey }
    }
  } catch {
    // damaged storage: as if never provisioned
  }
  return null
}
