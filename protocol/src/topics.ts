import { TOPIC_PREFIX } from './version.ts'

/**
 * The topic tree (protocol v1). Nobody concatenates a topic string outside this file.
 *
 *   ef/v1/dev/{deviceId}/status            device → hub   retained; also the device's last will
 *   ef/v1/dev/{deviceId}/pred              device → hub   prediction batches
 *   ef/v1/dev/{deviceId}/drift             device → hub   drift window summaries
 *   ef/v1/dev/{deviceId}/samples           device → hub   sampled inputs for retraining
 *   ef/v1/dev/{deviceId}/labels            device → hub   ground-truth labels for samples
 *   ef/v1/dev/{deviceId}/events            device → hub   deploy progress, errors, command results
 *   ef/v1/dev/{deviceId}/desired           hub → device   retained desired model state
 *   ef/v1/dev/{deviceId}/cmd               hub → device   commands
 *   ef/v1/alerts/drift/{model}/{scope}/{kind}  hub → subscribers; scope = device id or `_fleet`
 *   ef/v1/sensors/{deviceId}/{sensor}      sensors → agent readings (device-local or hub broker)
 *   ef/v1/provision/{clientId}/request     claiming device → hub   ProvisionRequest (fleet provisioning by claim)
 *   ef/v1/provision/{clientId}/response    hub → claiming device   ProvisionResponse
 *
 * Alert subscriptions with standard wildcards: every alert `ef/v1/alerts/#`; drift alerts
 * `ef/v1/alerts/drift/#`; one model `ef/v1/alerts/drift/gas-sensor/#`; one device
 * `ef/v1/alerts/drift/+/dev-7/#`; one model's fleet-level alerts `ef/v1/alerts/drift/gas-sensor/_fleet/#`.
 * The `drift` level names the alert category, so later categories (rollouts, jobs) get their own subtree.
 */

export const UPLINK_CHANNELS = ['status', 'pred', 'drift', 'samples', 'labels', 'events'] as const
export const DOWNLINK_CHANNELS = ['desired', 'cmd'] as const

export type UplinkChannel = (typeof UPLINK_CHANNELS)[number]
export type DownlinkChannel = (typeof DOWNLINK_CHANNELS)[number]
export type DeviceChannel = UplinkChannel | DownlinkChannel

/** Alert scope for model- or fleet-wide alerts, in place of a device id. */
export const FLEET_SCOPE = '_fleet' as const

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/
/** The kinds of drift alert, one topic level each. */
export const ALERT_KINDS = ['data-drift', 'prediction-drift', 'confidence-drop'] as const
/** Category level of drift alerts under `ef/v1/alerts/`. */
const ALERT_CATEGORY = 'drift'
const DRIFT_ALERTS = `${TOPIC_PREFIX}/alerts/${ALERT_CATEGORY}`
const SENSOR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

export type AlertTopicKind = (typeof ALERT_KINDS)[number]

/** True when `id` can be a device id (and so a single topic level). */
export function isDeviceId(id: string): boolean {
  return DEVICE_ID.test(id)
}

/** True when `name` can be a model name. */
export function isModelName(name: string): boolean {
  return MODEL_NAME.test(name)
}

function requireLevel(value: string, re: RegExp, what: string): string {
  if (!re.test(value)) throw new TypeError(`invalid ${what} ${JSON.stringify(value)}: must match ${re.source}`)
  return value
}

/** Topic of one device channel. Throws a TypeError for an id that is not a valid device id. */
export function deviceTopic(deviceId: string, channel: DeviceChannel): string {
  return `${TOPIC_PREFIX}/dev/${requireLevel(deviceId, DEVICE_ID, 'device id')}/${channel}`
}

/** Filter matching one channel of every device, e.g. `ef/v1/dev/+/pred` (for the hub's subscriptions). */
export function allDevicesFilter(channel: DeviceChannel): string {
  return `${TOPIC_PREFIX}/dev/+/${channel}`
}

export interface DeviceTopic {
  deviceId: string
  channel: DeviceChannel
  direction: 'uplink' | 'downlink'
}

/** Parses a concrete device topic; `null` when it is not one (wrong prefix, wildcard, unknown channel). */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/')
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX || parts[2] !== 'dev') return null
  const deviceId = parts[3]!
  const channel = parts[4]!
  if (!DEVICE_ID.test(deviceId)) return null
  if ((UPLINK_CHANNELS as readonly string[]).includes(channel)) {
    return { deviceId, channel: channel as UplinkChannel, direction: 'uplink' }
  }
  if ((DOWNLINK_CHANNELS as readonly string[]).includes(channel)) {
    return { deviceId, channel: channel as DownlinkChannel, direction: 'downlink' }
  }
  return null
}

export interface AlertTopic {
  model: string
  /** device id, or `null` for a fleet-level alert */
  deviceId: string | null
  kind: AlertTopicKind
}

/** Topic of an alert. `deviceId: null` means fleet-level (`_fleet`). */
export function alertTopic(a: AlertTopic): string {
  const scope = a.deviceId === null ? FLEET_SCOPE : requireLevel(a.deviceId, DEVICE_ID, 'device id')
  if (!(ALERT_KINDS as readonly string[]).includes(a.kind)) throw new TypeError(`invalid alert kind ${JSON.stringify(a.kind)}`)
  return `${TOPIC_PREFIX}/alerts/${ALERT_CATEGORY}/${requireLevel(a.model, MODEL_NAME, 'model name')}/${scope}/${a.kind}`
}

/** Filters for alert subscriptions: all alerts, all drift alerts, one model's, one device's, one model's fleet-level. */
export const alertFilters = {
  all: (): string => `${TOPIC_PREFIX}/alerts/#`,
  drift: (): string => `${DRIFT_ALERTS}/#`,
  model: (model: string): string => `${DRIFT_ALERTS}/${requireLevel(model, MODEL_NAME, 'model name')}/#`,
  device: (deviceId: string): string => `${DRIFT_ALERTS}/+/${requireLevel(deviceId, DEVICE_ID, 'device id')}/#`,
  fleet: (model: string): string => `${DRIFT_ALERTS}/${requireLevel(model, MODEL_NAME, 'model name')}/${FLEET_SCOPE}/#`,
} as const

/** Parses a concrete alert topic; `null` when it is not one. */
export function parseAlertTopic(topic: string): AlertTopic | null {
  const parts = topic.split('/')
  if (parts.length !== 7 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX || parts[2] !== 'alerts' || parts[3] !== ALERT_CATEGORY) return null
  const [, , , , model, scope, kind] = parts as [string, string, string, string, string, string, string]
  if (!MODEL_NAME.test(model) || !(ALERT_KINDS as readonly string[]).includes(kind)) return null
  if (scope === FLEET_SCOPE) return { model, deviceId: null, kind: kind as AlertTopicKind }
  if (!DEVICE_ID.test(scope)) return null
  return { model, deviceId: scope, kind: kind as AlertTopicKind }
}

/** Topic a sensor publishes readings to; `sensor` names the sensor (or `all`). */
export function sensorTopic(deviceId: string, sensor = 'all'): string {
  return `${TOPIC_PREFIX}/sensors/${requireLevel(deviceId, DEVICE_ID, 'device id')}/${requireLevel(sensor, SENSOR_NAME, 'sensor name')}`
}

/** Filter for every sensor of one device. */
export function sensorFilter(deviceId: string): string {
  return `${TOPIC_PREFIX}/sensors/${requireLevel(deviceId, DEVICE_ID, 'device id')}/+`
}

/**
 * Standard MQTT topic-filter matching [MQTT-4.7]: `+` matches one level, a trailing `#` matches the
 * parent and every level below; topics starting with `$` are not matched by a leading wildcard [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    if (level === '#') return i === f.length - 1
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}

/** True when `filter` is a valid MQTT topic filter [MQTT-4.7.1]: wildcards occupy whole levels, `#` only last. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > 65535 || filter.includes('\u0000')) return false
  const levels = filter.split('/')
  return levels.every((level, i) => {
    if (level.includes('#')) return level === '#' && i === levels.length - 1
    if (level.includes('+')) return level === '+'
    return true
  })
}

/** True when `topic` is a valid topic name for PUBLISH: non-empty, no wildcards, no NUL [MQTT-3.3.2-2]. */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && topic.length <= 65535 && !/[+#\u0000]/.test(topic)
}

/** MQTT user name prefix of a connection made with a claim token: `_claim:<token name>` (device ids never start with `_`). */
export const CLAIM_USERNAME_PREFIX = '_claim:' as const

/** The two provisioning topics of one claiming connection. */
export type ProvisionTopicKind = 'request' | 'response'

const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** The MQTT user name a device uses to claim an identity with the claim token `tokenName`. */
export function claimUsername(tokenName: string): string {
  return `${CLAIM_USERNAME_PREFIX}${requireLevel(tokenName, TOKEN_NAME, 'claim token name')}`
}

/** The claim token name in a `_claim:<name>` user name; `null` when the user name is not a claim. */
export function parseClaimUsername(username: string): string | null {
  if (!username.startsWith(CLAIM_USERNAME_PREFIX)) return null
  const name = username.slice(CLAIM_USERNAME_PREFIX.length)
  return TOKEN_NAME.test(name) ? name : null
}

/**
 * Topic of a claiming connection's request (device → hub) or response (hub → device). The client id
 * is the claiming connection's own MQTT client id (one topic level, like a device id).
 */
export function provisionTopic(clientId: string, kind: ProvisionTopicKind): string {
  return `${TOPIC_PREFIX}/provision/${requireLevel(clientId, DEVICE_ID, 'claim client id')}/${kind}`
}

/** True when `clientId` can be a claiming connection's client id (and so a single topic level). */
export function isClaimClientId(clientId: string): boolean {
  return DEVICE_ID.test(clientId)
}

/** Parses a concrete provisioning topic; `null` when it is not one. */
export function parseProvisionTopic(topic: string): { clientId: string; kind: ProvisionTopicKind } | null {
  const parts = topic.split('/')
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX || parts[2] !== 'provision') return null
  const clientId = parts[3]!
  const kind = parts[4]!
  if (!DEVICE_ID.test(clientId) || (kind !== 'request' && kind !== 'response')) return null
  return { clientId, kind }
}

/**
 * Hub instances sharing one external broker (scale-out): each instance's state, retained, at
 * `ef/v1/_hub/{group}/{instanceId}` (`_hub` is a reserved level, so no device topic matches it). The
 * instance publishes `online` there and leaves `offline` as its last will; the leader takes over a
 * dead instance's session when it reads `offline` (hub/src/cluster/).
 */
export function hubInstanceTopic(group: string, instanceId: string): string {
  return `${TOPIC_PREFIX}/_hub/${requireLevel(group, DEVICE_ID, 'shared group')}/${requireLevel(instanceId, DEVICE_ID, 'instance id')}`
}

/** Filter matching every instance state of one group. */
export function hubInstancesFilter(group: string): string {
  return `${TOPIC_PREFIX}/_hub/${requireLevel(group, DEVICE_ID, 'shared group')}/+`
}

/** The instance id of a concrete {@link hubInstanceTopic}; `null` when it is not one. */
export function parseHubInstanceTopic(topic: string): { group: string; instanceId: string } | null {
  const parts = topic.split('/')
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX || parts[2] !== '_hub') return null
  const [group, instanceId] = [parts[3]!, parts[4]!]
  return DEVICE_ID.test(group) && DEVICE_ID.test(instanceId) ? { group, instanceId } : null
}

/** True when `name` can be a shared-subscription group or a hub instance id (one topic level, a valid client id). */
export function isInstanceName(name: string): boolean {
  return DEVICE_ID.test(name)
}

/**
 * An MQTT 5 shared subscription `$share/{group}/{filter}` [MQTT-4.8.2]: the broker hands each matching
 * message to one subscriber of the group.
 */
export function sharedFilter(group: string, filter: string): string {
  return `$share/${requireLevel(group, DEVICE_ID, 'shared group')}/${filter}`
}
