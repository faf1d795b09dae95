import { createPublicKey } from 'node:crypto'
import { UsageError } from './model-commands.ts'

/** What a browser needs to become a device: its credentials and the key its models must be signed with. */
export interface ProvisioningLinkInput {
  deviceId: string
  secret: string
  /** the hub's Ed25519 model-signing public key, PEM */
  publicKeyPem: string
}

/** Help text shared by `device add` and `device rotate-secret`. */
export const LINK_OPTION_HELP =
  'also print a provisioning link for a browser device: <hub-url>/agent#device=…&secret=…&key=…; <hub-url> is how the browser reaches the hub (e.g. http://192.168.1.20:8080)'

/**
 * `<hub-url>/agent#device=<id>&secret=<secret>&key=<base64url SPKI of the hub's public key>`. Everything
 * sits in the fragment, which browsers never send to a server; the page moves it into its storage and
 * out of the address bar. The hub keeps only a hash of the secret, so the link can be printed only
 * when a secret is made (`device add`, `device rotate-secret`).
 */
export function provisioningLink(hubUrl: string, o: ProvisioningLinkInput): string {
  const key = createPublicKey(o.publicKeyPem).export({ type: 'spki', format: 'der' }).toString('base64url')
  const fragment = new URLSearchParams({ device: o.deviceId, secret: o.secret, key })
  return `${agentPageUrl(hubUrl).href}#${fragment.toString()}`
}

/** The hub's `/agent` page under `hubUrl` (which may carry a proxy's path); a UsageError when it is not an http(s) base URL. */
export function agentPageUrl(hubUrl: string): URL {
  let url: URL
  try {
    url = new URL(hubUrl)
  } catch {
    throw new UsageError(`--link ${JSON.stringify(hubUrl)} is not a URL: give the address browsers reach the hub at, e.g. http://192.168.1.20:8080`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--link needs an http:// or https:// URL, not ${url.protocol}//`)
  if (url.search !== '' || url.hash !== '') throw new UsageError('--link takes the hub\'s base URL, without a query or fragment')
  // a hub behind a proxy may live under a path: keep it, as a directory
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  return new URL('agent', url)
}
