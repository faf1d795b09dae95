import type { MqttClient } from 'mqtt'
import { HubError } from '../errors.ts'

/** CONNACK reason codes that retrying will not change: the broker refused who the hub is. */
const REFUSED: Record<number, string> = {
  4: 'bad user name or password', // MQTT 3.1.1 [MQTT-3.2.2.3]
  5: 'not authorised',
  0x85: 'client identifier not valid', // MQTT 5 [MQTT-3.2.2.2]
  0x86: 'bad user name or password',
  0x87: 'not authorised',
  0x8c: 'bad authentication method',
}

/**
 * Resolves on the client's first CONNACK success. Rejects with HUB_BROKER_UNREACHABLE at once when the
 * broker refuses the hub's credentials, or after `timeoutMs` when it cannot be reached (the client
 * keeps retrying until then, so a broker that is still starting is waited for).
 */
export function waitForFirstConnect(client: MqttClient, url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let last = 'no answer'
    const finish = (err?: HubError): void => {
      clearTimeout(timer)
      client.off('connect', onConnect)
      client.off('error', onError)
      if (err) reject(err)
      else resolve()
    }
    const onConnect = (): void => finish()
    const onError = (err: Error & { code?: unknown }): void => {
      last = err.message
      const refused = typeof err.code === 'number' ? REFUSED[err.code] : undefined
      if (refused) {
        finish(new HubError('HUB_BROKER_UNREACHABLE', `the MQTT broker at ${url} refused the hub (${refused}): check --broker-username and --broker-password (or EDGEFLEET_BROKER_USERNAME and EDGEFLEET_BROKER_PASSWORD) against the broker's users`, { cause: err }))
      }
    }
    const timer = setTimeout(() => {
      finish(new HubError('HUB_BROKER_UNREACHABLE', `cannot reach the MQTT broker at ${url} within ${Math.round(timeoutMs / 100) / 10} s (${last}): check that the broker runs and listens there, that the URL's scheme, host and port are right (--broker), and that no firewall is in the way`))
    }, timeoutMs)
    client.on('connect', onConnect)
    client.on('error', onError)
  })
}

/** The URL without a password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString().replace(/\/$/, '')
  } catch {
    return url
  }
}
