import { createPublicKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { AgentError } from '../errors.ts'

/** Reads the hub's Ed25519 public key (PEM); AGENT_USAGE naming the file when it is not one. */
export async function readHubPublicKey(file: string): Promise<string> {
  try {
    const pem = await readFile(file, 'utf8')
    const key = createPublicKey(pem)
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType} key, not ed25519`)
    return pem
  } catch (cause) {
    throw new AgentError('AGENT_USAGE', `cannot use ${file} as the hub's public key (${(cause as Error).message}): give the PEM file \`edgefleet device add\` printed`, { cause })
  }
}
