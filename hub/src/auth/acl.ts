import { alertFilters, isValidTopicFilter, isValidTopicName, parseDeviceTopic, parseProvisionTopic } from '@edgefleet/protocol'

/**
 * Broker authorisation policy (protocol v1), pure: the aedes `authorizePublish`/`authorizeSubscribe`
 * hooks only adapt these. Devices talk on their own topics only, alert subscribers read alerts only,
 * the hub may do anything a valid MQTT client may.
 */

/**
 * Who is asking: an authenticated device, an alert subscriber, the hub's own client, or a device
 * claiming its identity with a claim token (it may only ask and hear the answer, on its client id's topics).
 */
export type Principal =
  | { kind: 'device'; id: string }
  | { kind: 'subscriber'; name: string }
  | { kind: 'hub' }
  | { kind: 'claim'; token: string; clientId: string }

/** The answer; a refusal says why in one short sentence (for logs, never sent to the client). */
export type Decision = { allow: true } | { allow: false; reason: string }

const ALLOW: Decision = { allow: true }
const deny = (reason: string): Decision => ({ allow: false, reason })

/** `ef/v1/alerts/`: a filter that begins with these literal levels can only match alert topics. */
const ALERT_SUBTREE = alertFilters.all().slice(0, -'#'.length)

/** May `p` publish to `topic`? */
export function canPublish(p: Principal, topic: string): Decision {
  if (!isValidTopicName(topic)) return deny('not a valid MQTT topic name (empty, wildcard or NUL)')
  // [MQTT-4.7.2-1] `$` topics belong to the broker; clients may not use them for their own purposes
  if (topic.startsWith('$')) return deny('topics starting with $ are reserved for the broker')
  switch (p.kind) {
    case 'hub':
      return ALLOW
    case 'subscriber':
      return deny('alert subscribers may not publish')
    case 'claim': {
      const parsed = parseProvisionTopic(topic)
      if (parsed?.kind !== 'request' || parsed.clientId !== p.clientId) return deny('a claim connection may publish only its own provisioning request')
      return ALLOW
    }
    case 'device': {
      const parsed = parseDeviceTopic(topic)
      if (parsed === null) return deny('devices may publish only to their own uplink topics')
      if (parsed.deviceId !== p.id) return deny('devices may not publish to another device’s topics')
      if (parsed.direction !== 'uplink') return deny(`${parsed.channel} is a hub-to-device channel`)
      return ALLOW
    }
  }
}

/** May `p` subscribe to `filter`? */
export function canSubscribe(p: Principal, filter: string): Decision {
  if (!isValidTopicFilter(filter)) return deny('not a valid MQTT topic filter')
  if (filter.startsWith('$')) return deny('topics starting with $ are reserved for the broker')
  switch (p.kind) {
    case 'hub':
      return ALLOW
    case 'subscriber':
      // a literal `ef/v1/alerts/` prefix pins the first three levels, so no other subtree can match
      if (filter.startsWith(ALERT_SUBTREE) && filter.length > ALERT_SUBTREE.length) return ALLOW
      return deny(`alert subscribers may subscribe only to filters within ${ALERT_SUBTREE}`)
    case 'claim': {
      const parsed = isValidTopicName(filter) ? parseProvisionTopic(filter) : null
      if (parsed?.kind !== 'response' || parsed.clientId !== p.clientId) return deny('a claim connection may subscribe only to its own provisioning response')
      return ALLOW
    }
    case 'device': {
      if (!isValidTopicName(filter)) return deny('devices subscribe to exact topics, without wildcards')
      const parsed = parseDeviceTopic(filter)
      if (parsed === null) return deny('devices may subscribe only to their own desired and cmd topics')
      if (parsed.deviceId !== p.id) return deny('devices may not subscribe to another device’s topics')
      if (parsed.direction !== 'downlink') return deny(`${parsed.channel} is a device-to-hub channel`)
      return ALLOW
    }
  }
}
