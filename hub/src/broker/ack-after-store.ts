import { parseDeviceTopic, type UplinkChannel } from '@edgefleet/protocol'
import type { AckHandler } from 'mqtt'
import { HubError } from '../errors.ts'
import type { Ingest, IngestResult } from '../ingest/ingest.ts'

/** What became of one message from the broker. */
export type Delivery =
  | { kind: 'ignored'; topic: string }
  | { kind: 'handled'; deviceId: string; channel: UplinkChannel; payload: Uint8Array; result: IngestResult }
  /** the hub refused it for good (e.g. HUB_DEVICE_NOT_FOUND): redelivery would fail the same way */
  | { kind: 'rejected'; deviceId: string; channel: UplinkChannel; error: HubError }

/**
 * Hands one broker message to ingest. A topic that is no device uplink topic is ignored (the hub's
 * subscriptions match `ef/v1/dev/+/<channel>`, so a level that is not a valid device id ends up here).
 * Invalid payloads resolve (ingest counts them), and so does a message the hub refuses for good: a
 * HubError with a 4xx status, such as a device the broker admits but the registry does not know.
 * Only a failure that may pass (a store that is down or full) rejects.
 */
export async function deliver(ingest: Pick<Ingest, 'handle'>, topic: string, payload: Uint8Array): Promise<Delivery> {
  const target = parseDeviceTopic(topic)
  if (!target || target.direction !== 'uplink') return { kind: 'ignored', topic }
  const { deviceId } = target
  const channel = target.channel as UplinkChannel
  try {
    return { kind: 'handled', deviceId, channel, payload, result: await ingest.handle(deviceId, channel, payload) }
  } catch (err) {
    // withholding the PUBACK of a message that can never be stored would hold up everything behind it
    if (err instanceof HubError && err.statusCode < 500) return { kind: 'rejected', deviceId, channel, error: err }
    throw err
  }
}

/** What {@link ackAfterStore} reports; neither hook may throw. */
export interface AckAfterStoreHooks {
  /** the message was stored, was a duplicate, was invalid, was refused for good, or was ignored: it is acknowledged next */
  onDelivered(delivery: Delivery): void
  /**
   * The store failed: the message stays unacknowledged. The caller drops the connection so that the
   * broker redelivers it on reconnect (a persistent session redelivers unacknowledged QoS 1
   * messages [MQTT-4.4.0-1]); mqtt.js processes nothing more from the old connection meanwhile.
   */
  onStoreFailed(err: Error, topic: string): void
}

/**
 * mqtt.js `customHandleAcks` (honoured with MQTT 5 only): the PUBACK of a QoS 1 message is sent only
 * once ingest has settled it, so a hub that dies before storing leaves the message unacknowledged and
 * the broker delivers it again. mqtt.js hands over the next packet only after this one's
 * acknowledgement, so messages are stored one at a time and in order.
 */
export function ackAfterStore(ingest: Pick<Ingest, 'handle'>, hooks: AckAfterStoreHooks): AckHandler {
  return (topic, message, _packet, ack) => {
    deliver(ingest, topic, message).then(
      (delivery) => {
        hooks.onDelivered(delivery)
        ack(0) // reason code 0: success [MQTT-3.4.2.1]
      },
      (err: Error) => hooks.onStoreFailed(err, topic),
    )
  }
}
