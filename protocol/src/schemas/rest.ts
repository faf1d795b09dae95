import Type from 'typebox'
import { Count, DeviceId, Finite, Timestamp } from './common.ts'

/** REST bodies of the hub API (`/api/v1`). The hub validates with these; clients may too. */

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ maxLength: 64 }),
    error: Type.String({ maxLength: 64 }),
    message: Type.String({ maxLength: 4096 }),
  },
  { additionalProperties: false },
)

export const DeviceCounters = Type.Object(
  {
    /** valid messages received since the hub started */
    messages: Count,
    /** messages refused by schema validation since the hub started */
    invalid: Count,
    /** predictions stored since the hub started (duplicates not counted) */
    predictions: Count,
    /** redelivered or resent messages recognised by their seq and stored only once */
    duplicates: Count,
  },
  { additionalProperties: false },
)

export const DeviceView = Type.Object(
  {
    id: DeviceId,
    tags: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 256 })),
    online: Type.Boolean(),
    createdAt: Timestamp,
    firstSeen: Type.Union([Timestamp, Type.Null()]),
    lastSeen: Type.Union([Timestamp, Type.Null()]),
    model: Type.Union([
      Type.Object({ name: Type.String(), version: Type.String(), sha256: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    agentVersion: Type.Union([Type.String(), Type.Null()]),
    backend: Type.Union([Type.String(), Type.Null()]),
    keepaliveS: Type.Union([Type.Integer(), Type.Null()]),
    counters: DeviceCounters,
  },
  { additionalProperties: false },
)

export const DeviceList = Type.Object(
  { devices: Type.Array(DeviceView), total: Count, online: Count },
  { additionalProperties: false },
)

export const DeviceListQuery = Type.Object(
  {
    /** `key=value`, repeatable: every tag must match */
    tag: Type.Optional(Type.Union([Type.String({ pattern: '^[^=]+=.*$' }), Type.Array(Type.String({ pattern: '^[^=]+=.*$' }), { maxItems: 16 })])),
    online: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export const DeviceParams = Type.Object({ id: DeviceId }, { additionalProperties: false })

export const PredictionsQuery = Type.Object(
  {
    /** ms since the epoch; default: 1 hour before `to` */
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    /** ms since the epoch; default: now */
    to: Type.Optional(Type.Integer({ minimum: 0 })),
    /** bucket width in ms; default: a minute */
    every: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
  },
  { additionalProperties: false },
)

export const PredictionBuckets = Type.Object(
  {
    deviceId: DeviceId,
    from: Timestamp,
    to: Timestamp,
    every: Count,
    total: Count,
    buckets: Type.Array(
      Type.Object(
        {
          t: Timestamp,
          count: Count,
          meanConfidence: Type.Union([Finite, Type.Null()]),
          meanLatencyMs: Type.Union([Finite, Type.Null()]),
          labels: Type.Record(Type.String(), Count),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

export const Health = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    version: Type.String(),
    uptimeS: Count,
    devicesOnline: Count,
    broker: Type.Union([Type.Literal('embedded'), Type.Literal('external')]),
    telemetry: Type.String(),
  },
  { additionalProperties: false },
)

export type DeviceView = Type.Static<typeof DeviceView>
export type DeviceList = Type.Static<typeof DeviceList>
export type PredictionBuckets = Type.Static<typeof PredictionBuckets>
export type Health = Type.Static<typeof Health>
export type ErrorBody = Type.Static<typeof ErrorBody>
