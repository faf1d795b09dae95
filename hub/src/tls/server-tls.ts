import { readFileSync } from 'node:fs'
import { createSecureContext, type SecureVersion } from 'node:tls'
import type { HubConfig } from '../config.ts'
import { HubError } from '../errors.ts'

/** What every TLS listener of the hub (https, mqtts, wss) serves. */
export interface ServerTls {
  cert: string
  key: string
  minVersion: SecureVersion
}

/**
 * Reads `tlsCert` and `tlsKey` once, at start (a renewed certificate takes a restart), and checks
 * that they parse and belong together; undefined when the hub runs without TLS.
 */
export function readServerTls(config: Pick<HubConfig, 'tlsCert' | 'tlsKey' | 'tlsMinVersion'>): ServerTls | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined
  const tls = { cert: readPem(config.tlsCert, '--tls-cert'), key: readPem(config.tlsKey, '--tls-key'), minVersion: config.tlsMinVersion }
  try {
    // throws on a malformed PEM and on a key that is not the certificate's ("key values mismatch")
    createSecureContext(tls)
  } catch (cause) {
    throw new HubError('HUB_TLS_INVALID', `cannot serve TLS with --tls-cert ${config.tlsCert} and --tls-key ${config.tlsKey}: ${(cause as Error).message}. Give a PEM certificate and the private key it was issued for.`, { cause })
  }
  return tls
}

/** A PEM file's text: a CA certificate for a client (`--broker-ca`), or the server's certificate or key. */
export function readPem(path: string, flag: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new HubError('HUB_TLS_INVALID', `cannot read ${flag} ${path}: ${(cause as Error).message}`, { cause })
  }
  if (!text.includes('-----BEGIN ')) throw new HubError('HUB_TLS_INVALID', `${flag} ${path} is not a PEM file (no -----BEGIN … line): convert it with openssl, e.g. openssl x509 -inform der -in cert.der -out cert.pem`)
  return text
}
