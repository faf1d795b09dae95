import Type from 'typebox'
import { Count, DeviceId, Finite, Id, ModelName, ModelRef, SemVer, ShortText, Timestamp } from './common.ts'
import { Alert, AlertKind } from './hub-messages.ts'
import { DriftState, ShadowState } from './device-messages.ts'

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
    /** publishes refused by the hub's limits (payload size, publish rate) since the hub started; absent while none were */
    refused: Type.Optional(Count),
  },
  { additionalProperties: false },
)

/** A device's model health from its latest status message (the hub keeps it in memory). */
export const DeviceHealthView = Type.Object(
  {
    /** when the hub received the status */
    at: Timestamp,
    online: Type.Boolean(),
    /** mean and p95 per-sample inference latency over the device's last status interval, ms */
    latencyMs: Type.Optional(Finite),
    latencyP95Ms: Type.Optional(Finite),
    /** inference runs and failed (or non-finite) runs since the model was loaded */
    inferenceRuns: Type.Optional(Count),
    inferenceErrors: Type.Optional(Count),
    /** the agent's own drift judgement */
    drift: Type.Optional(DriftState),
    shadow: Type.Optional(Type.Union([ShadowState, Type.Null()])),
  },
  { additionalProperties: false },
)

/** `GET /devices/:id/events`: the device's stored events (deploy steps, errors, command results), newest first. */
export const DeviceEventList = Type.Object(
  {
    deviceId: DeviceId,
    events: Type.Array(Type.Object({
      seq: Count,
      /** device clock, ms since the epoch */
      ts: Timestamp,
      type: Type.String({ maxLength: 32 }),
      event: Type.Record(Type.String(), Type.Unknown()),
    }, { additionalProperties: false })),
  },
  { additionalProperties: false },
)

export const DeviceEventsQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
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
    /** when an operator revoked the device: the broker refuses it (null or absent: it may connect) */
    revokedAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    /** the claim token that made the device and the serial it claimed with (null: added by `edgefleet device add`) */
    claim: Type.Optional(Type.Union([Type.Object({ token: Type.String(), serial: Type.String() }, { additionalProperties: false }), Type.Null()])),
    counters: DeviceCounters,
    /** what the device's latest status said about its model's health (null before its first status since the hub started) */
    health: Type.Optional(Type.Union([DeviceHealthView, Type.Null()])),
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
    /** `leader` runs the hub's once-only work (rollout steps, webhooks, retraining jobs, fleet drift); with several instances (--shared-group) the others are `follower` */
    role: Type.Optional(Type.Union([Type.Literal('leader'), Type.Literal('follower')])),
    /** this instance's name (--instance-id): its MQTT client id at the external broker */
    instanceId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

/** Who acknowledged an alert, when, and why. The first acknowledgement is kept. */
export const AlertAck = Type.Object(
  {
    at: Timestamp,
    /** the operator token's name (REST), or the user the CLI ran as */
    by: Type.String({ minLength: 1, maxLength: 128 }),
    note: Type.Union([ShortText, Type.Null()]),
  },
  { additionalProperties: false },
)

/** An alert as the hub stored it, with its acknowledgement (null until acknowledged). */
export const AlertView = Type.Object({ alert: Alert, ack: Type.Union([AlertAck, Type.Null()]) }, { additionalProperties: false })

/** One page of alerts, newest first; `next` is the `before` cursor of the following page (null on the last). */
export const AlertList = Type.Object(
  { alerts: Type.Array(AlertView), next: Type.Union([Id, Type.Null()]) },
  { additionalProperties: false },
)

/** `GET /api/v1/alerts`: every given filter must match. */
export const AlertListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('raised'), Type.Literal('cleared')])),
    /** model name */
    model: Type.Optional(ModelName),
    /** model version */
    version: Type.Optional(SemVer),
    deviceId: Type.Optional(DeviceId),
    kind: Type.Optional(AlertKind),
    scope: Type.Optional(Type.Union([Type.Literal('device'), Type.Literal('fleet')])),
    /** true: acknowledged only; false: not yet acknowledged only */
    acknowledged: Type.Optional(Type.Boolean()),
    /** page size; default 100 */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    /** an alert id: only alerts older than it (the previous page's `next`) */
    before: Type.Optional(Id),
  },
  { additionalProperties: false },
)

export const AlertParams = Type.Object({ id: Id }, { additionalProperties: false })

/** `POST /api/v1/alerts/{id}/ack`; the body may be omitted. */
export const AlertAckBody = Type.Object({ note: Type.Optional(ShortText) }, { additionalProperties: false })

/** A drift scope: one device's windows of a model version, or the whole fleet's. */
const DriftScope = Type.Union([Type.Literal('device'), Type.Literal('fleet')])
const FeatureName = Type.String({ minLength: 1, maxLength: 128 })
const DriftWindowSpan = Type.Object({ start: Timestamp, end: Timestamp, count: Count }, { additionalProperties: false })

/** One scope's current drift state, as the hub's drift engine holds it (since the hub started). */
export const DriftScopeView = Type.Object(
  {
    model: ModelRef,
    scope: DriftScope,
    /** null for the fleet */
    deviceId: Type.Union([DeviceId, Type.Null()]),
    /** alert kinds raised now */
    raised: Type.Array(AlertKind),
    /** when the last window was judged (hub clock); null before the first */
    lastJudgedAt: Type.Union([Timestamp, Type.Null()]),
    /** the last judged window */
    window: Type.Union([DriftWindowSpan, Type.Null()]),
    /** features that drifted in the last judged window */
    drifted: Type.Array(FeatureName),
    driftShare: Type.Union([Finite, Type.Null()]),
  },
  { additionalProperties: false },
)

/** `GET /api/v1/drift`: model versions in name order, each fleet scope before its devices. */
export const DriftStateList = Type.Object({ scopes: Type.Array(DriftScopeView) }, { additionalProperties: false })

/** `GET /api/v1/drift`: every given filter must match. */
export const DriftStateQuery = Type.Object(
  {
    model: Type.Optional(ModelName),
    version: Type.Optional(SemVer),
    deviceId: Type.Optional(DeviceId),
    /** true: fleet scopes only; false: device scopes only */
    fleet: Type.Optional(Type.Boolean()),
    /** true: scopes with a raised alert only; false: scopes without one only */
    raised: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

/** One feature's statistics in one stored window, with the thresholds it was judged against. */
export const DriftFeatureView = Type.Object(
  {
    name: FeatureName,
    /** present values */
    count: Count,
    missingRate: Finite,
    psi: Finite,
    jensenShannon: Finite,
    ks: Finite,
    ksPValue: Finite,
    wasserstein: Finite,
    thresholds: Type.Object({ psi: Finite, jensenShannon: Finite, ks: Finite, wasserstein: Finite }, { additionalProperties: false }),
    drifted: Type.Boolean(),
  },
  { additionalProperties: false },
)

/** One stored judged window. */
export const DriftWindowView = Type.Object(
  {
    /** the window's end (latest sample) */
    ts: Timestamp,
    start: Timestamp,
    scope: DriftScope,
    /** null for the fleet */
    deviceId: Type.Union([DeviceId, Type.Null()]),
    /** the device message that completed the window; null for the fleet */
    seq: Type.Union([Count, Type.Null()]),
    model: ModelRef,
    count: Count,
    driftShare: Finite,
    dataDrift: Type.Boolean(),
    /** in the model's feature order; only `feature` when the query names one */
    features: Type.Array(DriftFeatureView),
  },
  { additionalProperties: false },
)

/** `GET /api/v1/drift/history`: stored windows, newest first. */
export const DriftWindowList = Type.Object({ windows: Type.Array(DriftWindowView) }, { additionalProperties: false })

/** `GET /api/v1/drift/history`: one model's stored windows; every given filter must match. */
export const DriftHistoryQuery = Type.Object(
  {
    model: ModelName,
    version: Type.Optional(SemVer),
    deviceId: Type.Optional(DeviceId),
    /** true: the fleet's windows only; false: devices' windows only */
    fleet: Type.Optional(Type.Boolean()),
    /** only this feature's statistics */
    feature: Type.Optional(FeatureName),
    /** window end, ms since the epoch, inclusive */
    from: Type.Optional(Timestamp),
    /** window end, ms since the epoch, exclusive */
    to: Type.Optional(Timestamp),
    /** most windows, the newest; default 100 */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
)

export type DeviceView = Type.Static<typeof DeviceView>
export type DeviceHealthView = Type.Static<typeof DeviceHealthView>
export type DeviceEventList = Type.Static<typeof DeviceEventList>
export type DeviceList = Type.Static<typeof DeviceList>
export type PredictionBuckets = Type.Static<typeof PredictionBuckets>
export type Health = Type.Static<typeof Health>
export type ErrorBody = Type.Static<typeof ErrorBody>
export type AlertAck = Type.Static<typeof AlertAck>
export type AlertView = Type.Static<typeof AlertView>
export type AlertList = Type.Static<typeof AlertList>
export type AlertListQuery = Type.Static<typeof AlertListQuery>
export type DriftScopeView = Type.Static<typeof DriftScopeView>
export type DriftStateList = Type.Static<typeof DriftStateList>
export type DriftStateQuery = Type.Static<typeof DriftStateQuery>
export type DriftFeatureView = Type.Static<typeof DriftFeatureView>
export type DriftWindowView = Type.Static<typeof DriftWindowView>
export type DriftWindowList = Type.Static<typeof DriftWindowList>
export type DriftHistoryQuery = Type.Static<typeof DriftHistoryQuery>
