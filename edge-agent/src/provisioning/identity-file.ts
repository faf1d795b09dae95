import { chmod, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compile, DeviceId, HubPublicKey } from '@edgefleet/protocol'
import Type from 'typebox'
import { writeFileAtomic } from '../deploy/atomic-file.ts'
import { AgentError } from '../errors.ts'

/** What a device keeps after claiming: `<state-dir>/identity.json`, mode 0600 (it holds the secret). */
export const SavedIdentity = Type.Object(
  {
    v: Type.Literal(1),
    deviceId: DeviceId,
    secret: Type.String({ minLength: 1 }),
    hubPublicKey: HubPublicKey,
    /** the claim token's name and the serial it claimed with, for people reading the file */
    claimedWith: Type.Object({ token: Type.String(), serial: Type.String() }),
    /** ms since the epoch */
    claimedAt: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
)
export type SavedIdentity = Type.Static<typeof SavedIdentity>

const check = compile(SavedIdentity, 'saved identity')

/** The identity file of a state directory. */
export function identityPath(stateDir: string): string {
  return join(stateDir, 'identity.json')
}

/** The saved identity, or null when there is none. AGENT_OUTBOX_FAILED when the file is unreadable or damaged. */
export async function readIdentity(stateDir: string): Promise<SavedIdentity | null> {
  const file = identityPath(stateDir)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new AgentError('AGENT_OUTBOX_FAILED', `cannot read the device identity ${file}: ${(err as Error).message}`, { cause: err })
  }
  try {
    return check.parse(JSON.parse(text))
  } catch (err) {
    throw new AgentError('AGENT_OUTBOX_FAILED', `the device identity ${file} is damaged (${(err as Error).message}): remove it to claim again with --claim-token (the hub gives the same serial the same device)`, { cause: err })
  }
}

/** Saves the identity atomically (temp file, fsync, rename), readable by its owner only. */
export async function saveIdentity(stateDir: string, identity: SavedIdentity): Promise<void> {
  const file = identityPath(stateDir)
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 })
    await writeFileAtomic(file, `${JSON.stringify(check.parse(identity), null, 2)}\n`, { mode: 0o600 })
    // a temp file left by a crash keeps its old mode when reopened: make sure
    await chmod(file, 0o600)
  } catch (err) {
    throw new AgentError('AGENT_OUTBOX_FAILED', `cannot save the device identity ${file}: ${(err as Error).message}`, { cause: err })
  }
}
