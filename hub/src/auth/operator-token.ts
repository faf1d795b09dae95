import { isCredentialName } from '../registry/identifiers.ts'

/**
 * Operator API tokens: `<name>.<secret>`, sent as `Authorization: Bearer <name>.<secret>`. The name
 * may itself contain dots, but a secret is base64url (no dots), so the last dot separates them; the
 * whole token stays within RFC 6750's b64token characters.
 */

/** An operator credential as the API checks it against the registry. */
export interface OperatorToken {
  name: string
  secret: string
}

const SECRET = /^[A-Za-z0-9_-]+$/

/** The token an operator sends, from a credential name and its secret. */
export function formatOperatorToken(name: string, secret: string): string {
  return `${name}.${secret}`
}

/** Splits a token into name and secret; `null` when it cannot be one. */
export function parseOperatorToken(token: string): OperatorToken | null {
  const dot = token.lastIndexOf('.')
  if (dot <= 0) return null
  const name = token.slice(0, dot)
  const secret = token.slice(dot + 1)
  return isCredentialName(name) && SECRET.test(secret) ? { name, secret } : null
}

/** Reads an `Authorization` header value [RFC 6750 §2.1]; `null` unless it is a Bearer operator token. */
export function parseBearerAuthorization(header: string | undefined): OperatorToken | null {
  const match = /^Bearer +(\S+)\s*$/i.exec(header ?? '')
  return match ? parseOperatorToken(match[1]!) : null
}
