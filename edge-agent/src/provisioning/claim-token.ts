import { AgentError } from '../errors.ts'

/** A claim token as flashed: `<name>.<secret>` (the secret has no dots, so the last dot splits them). */
export interface ClaimToken {
  name: string
  secret: string
}

/** Pattern of a claim token in settings (checked again by {@link parseClaimToken}). */
export const CLAIM_TOKEN_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\\.[A-Za-z0-9_-]+$'

/** Splits `<name>.<secret>`; AGENT_USAGE when it cannot be a claim token (without echoing it). */
export function parseClaimToken(text: string): ClaimToken {
  const dot = text.lastIndexOf('.')
  const name = text.slice(0, dot)
  const secret = text.slice(dot + 1)
  if (dot <= 0 || !new RegExp(CLAIM_TOKEN_PATTERN).test(text)) {
    throw new AgentError('AGENT_USAGE', '--claim-token must be <name>.<secret>, exactly as `edgefleet claim-token add` printed it')
  }
  return { name, secret }
}
