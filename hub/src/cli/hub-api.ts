import { HubError, HubErrorCodes, type HubErrorCode } from '../errors.ts'

/** Environment variable with the operator token for CLI commands that talk to a running hub (flags show in ps). */
export const TOKEN_ENV = 'EDGEFLEET_TOKEN'
/** Environment variable with the hub's REST URL for those commands. */
export const HUB_API_ENV = 'EDGEFLEET_HUB_API'
export const DEFAULT_HUB_API = 'http://127.0.0.1:8080'

/** Where a CLI command finds a running hub's REST API, and its operator token. */
export interface HubApi {
  hub: string
  token: string
}

/** `--hub` (or env) and `--token` (or env) into a HubApi; a missing token is a usage error that says where to get one. */
export function hubApiFrom(o: { hub?: string; token?: string }): HubApi {
  const token = o.token ?? process.env[TOKEN_ENV]
  if (!token) throw new HubError('HUB_USAGE', `this command talks to a running hub: give an operator token with --token <name>.<secret> or env ${TOKEN_ENV} (create one with \`edgefleet token add <name>\`)`)
  return { hub: o.hub ?? process.env[HUB_API_ENV] ?? DEFAULT_HUB_API, token }
}

/** A URL under the hub's REST base, whether or not the base ends with a slash or has a path. */
export function apiUrl(hubUrl: string, path: string): URL {
  let base: URL
  try {
    base = new URL(hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`)
  } catch (cause) {
    throw new HubError('HUB_USAGE', `--hub ${JSON.stringify(hubUrl)} is not a URL: give the hub's REST address, e.g. ${DEFAULT_HUB_API}`, { cause })
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new HubError('HUB_USAGE', `--hub ${hubUrl} must be an http:// or https:// URL (the hub's REST API, not its MQTT broker)`)
  return new URL(path.replace(/^\//, ''), base)
}

/** One JSON request to the hub's REST API; a refusal is thrown as a HubError with the hub's code and message. */
export async function hubRequest<T>(api: HubApi, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const url = apiUrl(api.hub, path)
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${api.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
  } catch (err) {
    throw unreachable(url, ((err as Error).cause ?? err) as NodeJS.ErrnoException)
  }
  const text = await res.text()
  if (!res.ok) throw refusal(res.status, text)
  return JSON.parse(text) as T
}

/** The hub's error answer `{statusCode, code, error, message}` as a HubError with its code. */
export function refusal(status: number, body: string): HubError {
  let answer: { code?: unknown; message?: unknown } = {}
  try {
    answer = JSON.parse(body) as typeof answer
  } catch {
    // not the hub's error shape: a proxy's page, say
  }
  const message = typeof answer.message === 'string' ? answer.message : `the hub answered HTTP ${status}: ${body.slice(0, 300)}`
  const code = isHubErrorCode(answer.code) ? answer.code : 'HUB_INTERNAL'
  // the hub names the role needed and the token's; on the command line, also say where the token goes
  const next = code === 'HUB_ROLE_INSUFFICIENT' ? `, then pass it with --token or env ${TOKEN_ENV}` : ''
  return new HubError(code, `${message}${next}`)
}

function isHubErrorCode(code: unknown): code is HubErrorCode {
  return typeof code === 'string' && Object.hasOwn(HubErrorCodes, code)
}

/** Certificate errors of a TLS handshake: the hub is reachable, but its certificate is not accepted. */
const CERTIFICATE_ERRORS = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_UNTRUSTED|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/

/** A connection failure as HUB_UNREACHABLE (or HUB_TLS_UNTRUSTED), saying what to check. */
export function unreachable(url: URL, err: NodeJS.ErrnoException): HubError {
  if (typeof err.code === 'string' && CERTIFICATE_ERRORS.test(err.code)) {
    const fix = err.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? `use a host name the hub's certificate carries in --hub (or $${HUB_API_ENV})`
      : `trust the hub's CA: NODE_EXTRA_CA_CERTS=/path/to/ca.crt edgefleet …`
    return new HubError('HUB_TLS_UNTRUSTED', `the hub at ${url.origin} presented a certificate this machine does not accept (${err.code}): ${fix}`, { cause: err })
  }
  const closed = err.code === 'ECONNRESET' || err.code === 'EPIPE'
  return new HubError(
    'HUB_UNREACHABLE',
    closed
      ? `the hub at ${url.origin} closed the connection (${err.code}): check that it is running (and, for an upload, that the package is within its upload limit)`
      : `cannot reach the hub at ${url.origin} (${err.code ?? err.message}): check --hub and that \`edgefleet hub\` is running there`,
    { cause: err },
  )
}
