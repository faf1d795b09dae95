import { compile, decodeJson, HubInstanceStatus, hubInstanceTopic, parseHubInstanceTopic } from '@edgefleet/protocol'
import type { Static } from 'typebox'
import type { AckHandler, IClientPublishOptions, MqttClient } from 'mqtt'
import { within } from './within.ts'

export type InstanceStatus = Static<typeof HubInstanceStatus>
const check = compile(HubInstanceStatus, 'hub instance status')

/** a leaving member waits this long without a message before it ends its session */
const LEAVE_QUIET_MS = 500
/** …and at most this long in all; then it drops the connection and leaves its session to the leader */
const LEAVE_TIMEOUT_MS = 10_000

/**
 * One hub instance's membership of a shared-subscription group: its name, its state topic
 * (`ef/v1/_hub/{group}/{instanceId}`, retained), and the latest state of every member, read from the
 * broker (an instance that died has its last will there: `offline`).
 */
export class SharedMembership {
  readonly topic: string
  private readonly states = new Map<string, InstanceStatus>()
  private readonly listeners = new Set<(instanceId: string, status: InstanceStatus | null) => void>()

  constructor(readonly group: string, readonly instanceId: string) {
    this.topic = hubInstanceTopic(group, instanceId)
  }

  /** The latest state of each member the broker holds one for. */
  members(): ReadonlyMap<string, InstanceStatus> {
    return new Map(this.states)
  }

  onChange(listener: (instanceId: string, status: InstanceStatus | null) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  /** A retained state arrived (null: the topic was cleared). */
  observe(instanceId: string, status: InstanceStatus | null): void {
    if (status) this.states.set(instanceId, status)
    else this.states.delete(instanceId)
    for (const l of this.listeners) l(instanceId, status)
  }

  /** The state topic of another member. */
  topicOf(instanceId: string): string {
    return hubInstanceTopic(this.group, instanceId)
  }
}

/** The member's last will: `offline`, retained, published by the broker when the connection dies without a DISCONNECT. */
export function instanceWill(m: SharedMembership): NonNullable<import('mqtt').IClientOptions['will']> {
  return { topic: m.topic, payload: Buffer.from(status(m, 'offline')), qos: 1, retain: true }
}

/** What the member publishes (retained) once it subscribed. */
export function onlineStatus(m: SharedMembership): string {
  return status(m, 'online')
}

function status(m: SharedMembership, state: InstanceStatus['state']): string {
  return JSON.stringify(check.parse({ v: 1, ts: Date.now(), instanceId: m.instanceId, state }))
}

/** Hands member states to `m`, everything else to `devices`. A malformed state is acknowledged and ignored. */
export function instanceMessageHandler(m: SharedMembership, devices: AckHandler): AckHandler {
  return (topic, message, packet, ack) => {
    const target = parseHubInstanceTopic(topic)
    if (!target) return devices(topic, message, packet, ack)
    if (target.group === m.group) {
      if (message.length === 0) m.observe(target.instanceId, null)
      else {
        try {
          const s = check.parse(decodeJson(message))
          if (s.instanceId === target.instanceId) m.observe(target.instanceId, s)
        } catch {
          // not ours to judge: only hub users may write there
        }
      }
    }
    ack(0)
  }
}

/**
 * Leaves the group on purpose: unsubscribe (the broker routes nothing more to this session), store
 * what is still queued until nothing arrives for a moment, clear the state topic and end the session
 * (session expiry 0 in the DISCONNECT [MQTT-3.14.2.2.2]). When it does not go quiet in time, the
 * connection is dropped instead: the broker publishes the last will, and the leader takes the
 * session over (nothing is lost, only later).
 */
export async function leaveSharedGroup(
  client: MqttClient, m: SharedMembership, filters: string[], lastMessageAt: () => number, inflight: () => number,
  logger: { info(o: object, msg: string): void; warn(o: object, msg: string): void },
): Promise<void> {
  if (!client.connected) {
    client.end(true)
    return
  }
  const deadline = Date.now() + LEAVE_TIMEOUT_MS
  const unsubscribed = await client.unsubscribeAsync(filters).then(() => true, () => false)
  const quiet = (): boolean => inflight() === 0 && Date.now() - lastMessageAt() >= LEAVE_QUIET_MS
  while (unsubscribed && client.connected && Date.now() < deadline && !quiet()) await new Promise((r) => setTimeout(r, 50))
  if (unsubscribed && client.connected && quiet()) {
    const opts: IClientPublishOptions = { qos: 1, retain: true }
    await within(client.publishAsync(m.topic, '', opts), 5000, async () => {})
    await within(client.endAsync(false, { properties: { sessionExpiryInterval: 0 } }), 5000, async () => void client.stream.destroy())
    logger.info({ group: m.group, instanceId: m.instanceId }, 'left the shared group: session drained and ended')
    return
  }
  logger.warn({ group: m.group, instanceId: m.instanceId }, 'could not drain this instance\'s session in time: leaving it to the leader to take over')
  client.stream.destroy()
  client.end(true)
}
