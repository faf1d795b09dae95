import { readFile } from 'node:fs/promises'
import { Agent, type Dispatcher } from 'undici'
import { AgentError } from '../errors.ts'

/**
 * OpenSSL's and Node's codes for a certificate the client will not accept: untrusted, for another
 * name, expired or not yet valid. Retrying cannot fix them, so the agent stops and says what to do.
 */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** Reads `--ca` (a PEM file of one or more CA certificates) for the hub's mqtts, wss and https. */
export async function readTrustedCa(path: string): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new AgentError('AGENT_USAGE', `cannot read --ca ${path}: ${(cause as Error).message}`, { cause })
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new AgentError('AGENT_USAGE', `--ca ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the hub's CA certificate, e.g. ca.crt`)
  return text
}

/** The HTTP dispatcher for model downloads that trusts `ca` besides the system's CAs; close it when done. */
export function trustingDispatcher(ca: string): Dispatcher {
  // Node 20's global fetch is undici 6: an Agent of the same major version is its dispatcher
  return new Agent({ connect: { ca } })
}

/**
 * AGENT_HUB_TLS_FAILED when `err` (or its cause: fetch wraps the socket's error) is a certificate
 * the agent does not accept, with what to do; undefined for any other error.
 */
export function tlsFailure(err: unknown, url: string, caGiven: boolean): AgentError | undefined {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } }
  const code = [e.code, e.cause?.code].find((c): c is string => typeof c === 'string' && CERTIFICATE_ERRORS.has(c))
  // the WebSocket client reports the handshake's failure as a message only
  const wsCode = code ?? (typeof e.message === 'string' ? /unable to verify|self[- ]signed certificate/i.exec(e.message)?.[0] : undefined)
  if (!wsCode) return undefined
  const host = safeHost(url)
  const detail = typeof e.cause?.message === 'string' ? e.cause.message : typeof e.message === 'string' ? e.message : wsCode
  let advice: string
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    advice = `the hub's certificate does not name ${host}: reach the hub by a name its certificate carries (--hub), or reissue the certificate with ${host} in its subjectAltName`
  } else if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    advice = 'renew the hub\'s certificate (restart the hub with the new one), and check this device\'s clock'
  } else {
    advice = caGiven
      ? 'the CA given with --ca did not sign the hub\'s certificate: give the CA that did'
      : 'give the hub\'s CA certificate with --ca FILE (or $EDGEFLEET_CA_FILE, or "ca" in --config)'
  }
  return new AgentError('AGENT_HUB_TLS_FAILED', `TLS to the hub at ${url} failed, the hub's certificate is not accepted (${code ?? detail}): ${advice}`, { cause: err })
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname
  } catch {
    return url
  }
}
