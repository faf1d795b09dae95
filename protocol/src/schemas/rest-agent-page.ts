import Type from 'typebox'
import { ProtocolV } from './common.ts'

/**
 * `GET /agent/config.json`: what the browser agent needs before it can connect. The hub answers it
 * from its settings and the host the browser used; the page validates it with this schema.
 */
export const AgentPageConfig = Type.Object(
  {
    v: ProtocolV,
    /** MQTT over WebSocket, e.g. `ws://192.168.1.20:8083/mqtt`; null when browsers cannot reach the broker */
    mqttUrl: Type.Union([Type.String({ pattern: '^wss?://', maxLength: 2048 }), Type.Null()]),
    /** why `mqttUrl` is null, and what to change */
    problem: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
)

export type AgentPageConfig = Type.Static<typeof AgentPageConfig>
