import { HubError } from '../../errors.ts'

/** What a registry URL names, checked: `postgres://user:password@host:port/database`. */
export interface RegistryUrl {
  /** the URL as given (with its password: for the driver only, never for messages) */
  href: string
  /** the URL with the password replaced by `***`: for logs and errors */
  display: string
}

const SCHEME = /^postgres(ql)?:$/

/** `url` with its password (and a `password` query parameter) replaced by `***`; unparseable text is hidden whole after the scheme. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    if (u.searchParams.has('password')) u.searchParams.set('password', '***')
    return u.toString()
  } catch {
    return url.replace(/^([a-z]+:\/\/).*$/i, '$1***')
  }
}

/** Checks a registry URL; HUB_REGISTRY_URL_INVALID says what a good one looks like. */
export function parseRegistryUrl(url: string): RegistryUrl {
  const invalid = (why: string): HubError =>
    new HubError('HUB_REGISTRY_URL_INVALID', `invalid registry URL ${redactUrl(url)}: ${why}; write postgres://user:password@host:5432/database (or leave --registry-url out for the SQLite registry in --data-dir)`)
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw invalid('it is not a URL')
  }
  if (!SCHEME.test(u.protocol)) throw invalid(`the scheme ${JSON.stringify(u.protocol.slice(0, -1))} is not postgres`)
  if (!u.hostname && !u.searchParams.has('host')) throw invalid('it names no host')
  if (u.pathname.length <= 1 || u.pathname.slice(1).includes('/')) throw invalid('it names no database (the path)')
  return { href: url, display: redactUrl(url) }
}
