import { alertTopic, validators, type Alert } from '@edgefleet/protocol'
import { HubError } from '../errors.ts'

/**
 * Checks an alert before the hub stores and publishes it: the protocol schema, and a device id
 * exactly when the scope is `device` (it names the topic level; fleet alerts use `_fleet`).
 * Throws HUB_ALERT_INVALID.
 */
export function parseAlert(value: unknown): Alert {
  if (!validators.alert.check(value)) {
    const issues = validators.alert.issues(value).slice(0, 3).map((i) => `${i.path || '/'} ${i.message}`)
    throw new HubError('HUB_ALERT_INVALID', `invalid alert: ${issues.join('; ')}`)
  }
  if (value.scope === 'device' && value.deviceId === undefined) {
    throw new HubError('HUB_ALERT_INVALID', `alert ${value.id}: a device-scope alert needs its deviceId`)
  }
  if (value.scope === 'fleet' && value.deviceId !== undefined) {
    throw new HubError('HUB_ALERT_INVALID', `alert ${value.id}: a fleet-scope alert has no deviceId (got ${JSON.stringify(value.deviceId)})`)
  }
  return value
}

/** The MQTT topic of an alert: `ef/v1/alerts/drift/{model}/{device | _fleet}/{kind}`. */
export function alertTopicOf(alert: Alert): string {
  return alertTopic({ model: alert.model.name, deviceId: alert.scope === 'fleet' ? null : alert.deviceId!, kind: alert.kind })
}
