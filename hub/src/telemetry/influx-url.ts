import { HubError } from '../errors.ts'

/** Where an InfluxDB telemetry store lives, parsed from `http(s)://[user:password@]host[:port]/database`. */
export interface InfluxLocation {
  protocol: 'http' | 'https'
  host: string
  port: number
  database: string
  username?: string
  password?: string
  /** the URL without its password, for messages and logs */
  display: string
}

/** InfluxDB 1.x database names we accept: what a URL path segment carries without escaping. */
const DATABASE = /^[A-Za-z0-9_-]{1,64}$/

/** Parses a telemetry URL; throws HUB_CONFIG_INVALID with an example when it is not one. */
export function parseInfluxUrl(url: string): InfluxLocation {
  const usage = 'use http(s)://host:port/database, e.g. http://127.0.0.1:8086/edgefleet'
  let u: URL
  try {
    u = new URL(url)
  } catch (cause) {
    throw new HubError('HUB_CONFIG_INVALID', `telemetry URL ${JSON.stringify(url)} is not a URL: ${usage}`, { cause })
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new HubError('HUB_CONFIG_INVALID', `telemetry URL ${JSON.stringify(url)} must use http or https: ${usage}`)
  }
  const database = u.pathname.replace(/^\/+|\/+$/g, '')
  if (!DATABASE.test(database)) {
    throw new HubError('HUB_CONFIG_INVALID', `telemetry URL ${JSON.stringify(redact(u))} must name one database (letters, digits, _ and -): ${usage}`)
  }
  const protocol = u.protocol === 'https:' ? 'https' : 'http'
  return {
    protocol,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    // URL semantics: no port means 80/443 (`new URL` drops an explicit default port anyway)
    port: u.port ? Number(u.port) : protocol === 'https' ? 443 : 80,
    database,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    display: redact(u),
  }
}

function redact(u: URL): string {
  const copy = new URL(u.href)
  if (copy.password) copy.password = '***'
  return copy.href.replace(/\/$/, '')
}
