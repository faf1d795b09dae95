/** Device credentials from an `Authorization: Basic` header. */
export interface DeviceCredentials {
  deviceId: string
  secret: string
}

/**
 * Reads `Authorization: Basic base64(<device id>:<secret>)` [RFC 7617]; `null` when the header is not
 * Basic credentials. A device id never holds a colon, so the first one separates id and secret.
 */
export function parseBasicAuthorization(header: string | undefined): DeviceCredentials | null {
  const match = /^Basic +([A-Za-z0-9+/]+=*)\s*$/i.exec(header ?? '')
  if (!match) return null
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return null
  return { deviceId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}
