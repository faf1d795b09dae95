import Type from 'typebox'
import { ProtocolV, Timestamp } from './common.ts'

/** A hub instance's name: a shared-subscription group member's MQTT client id, one topic level. */
export const InstanceId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' })

/**
 * `ef/v1/_hub/{group}/{instanceId}`, retained, hub → hubs: `online` once the instance subscribed;
 * `offline` is its last will (then `ts` is when it connected). An empty retained message clears the
 * topic once nothing of the instance's session is left to take over.
 */
export const HubInstanceStatus = Type.Object(
  {
    v: ProtocolV,
    ts: Timestamp,
    instanceId: InstanceId,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  },
  { additionalProperties: false },
)
