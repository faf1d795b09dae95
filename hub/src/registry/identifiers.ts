import { isDeviceId } from '@edgefleet/protocol'
import { HubError } from '../errors.ts'

const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** True when `name` can name a subscriber or operator credential (it is also an MQTT username). */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name)
}

/** Returns `id`, or throws HUB_DEVICE_ID_INVALID. Every store checks ids with this before touching data. */
export function requireDeviceId(id: string): string {
  if (!isDeviceId(id)) {
    throw new HubError(
      'HUB_DEVICE_ID_INVALID',
      `invalid device id ${JSON.stringify(id)}: use 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    )
  }
  return id
}

/** Returns `name`, or throws HUB_CREDENTIAL_NAME_INVALID. */
export function requireCredentialName(name: string): string {
  if (!isCredentialName(name)) {
    throw new HubError(
      'HUB_CREDENTIAL_NAME_INVALID',
      `invalid credential name ${JSON.stringify(name)}: use 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    )
  }
  return name
}
