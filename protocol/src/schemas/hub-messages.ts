import Type from 'typebox'
import {
  Count, DeviceId, Finite, Id, ModelName, ModelRef, ProtocolV, SemVer, Seq, Sha256Hex, ShortText, Timestamp,
} from './common.ts'
import { ALERT_KINDS } from '../topics.ts'
import { ManifestSignature } from './manifest.ts'

/** Messages the hub publishes: to one device, or to alert subscribers. */

/** A model version a device should run, with what it needs to fetch and verify it. */
export const ModelTarget = Type.Object(
  {
    name: ModelName,
    version: SemVer,
    sha256: Sha256Hex,
    /** ONNX file size in bytes (the download limit) */
    size: Type.Integer({ minimum: 1, maximum: 2 ** 32 }),
    /** the ONNX file's URL on the hub (HTTP Range supported; the device authenticates with its id and secret) */
    url: Type.String({ maxLength: 2048 }),
    /** the signed manifest's URL on the hub */
    manifestUrl: Type.String({ maxLength: 2048 }),
    /** the manifest's signature, so a device can refuse a bad target before downloading it */
    signature: ManifestSignature,
    /**
     * present when the hub sends the device back to an older version: a signature over the same fields
     * plus `rollback: true` (see `signedPayload`). Without it a device refuses a downgrade.
     */
    rollbackSignature: Type.Optional(ManifestSignature),
  },
  { additionalProperties: false },
)

/** `…/desired`, retained: the state the hub wants the device in. */
export const Desired = Type.Object(
  {
    v: ProtocolV,
    ts: Timestamp,
    /** increases with every change, so a device ignores a stale retained copy */
    generation: Count,
    active: Type.Union([ModelTarget, Type.Null()]),
    shadow: Type.Optional(Type.Union([ModelTarget, Type.Null()])),
    /** a downgrade is accepted only when this is a signed rollback */
    rollback: Type.Boolean(),
    rolloutId: Type.Optional(Id),
  },
  { additionalProperties: false },
)

export const Command = Type.Object(
  {
    v: ProtocolV,
    id: Id,
    ts: Timestamp,
    cmd: Type.Union([
      Type.Object({ type: Type.Literal('self-test') }, { additionalProperties: false }),
      Type.Object({ type: Type.Literal('rollback') }, { additionalProperties: false }),
      /** re-publish buffered messages from this sequence number on */
      Type.Object({ type: Type.Literal('resend'), fromSeq: Seq }, { additionalProperties: false }),
      /** upload the next `count` inputs as training samples */
      Type.Object({ type: Type.Literal('sample'), count: Type.Integer({ minimum: 1, maximum: 100_000 }) }, { additionalProperties: false }),
      Type.Object(
        {
          type: Type.Literal('set-config'),
          config: Type.Object(
            {
              sampleRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
              driftWindowSamples: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
              driftWindowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
              statusIntervalS: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
            },
            { additionalProperties: false },
          ),
        },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false },
)

export const AlertKind = Type.Enum(ALERT_KINDS)

export const DriftSignal = Type.Object(
  {
    /** feature or statistic name; absent for output-level signals */
    feature: Type.Optional(Type.String({ maxLength: 128 })),
    metric: Type.Enum(['psi', 'jensen-shannon', 'ks', 'wasserstein', 'chi2', 'drift-share', 'confidence', 'entropy'] as const),
    value: Finite,
    threshold: Finite,
    pValue: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
)

/** `ef/v1/alerts/drift/{model}/{device | _fleet}/{kind}`, retained: raised and cleared with hysteresis. */
export const Alert = Type.Object(
  {
    v: ProtocolV,
    id: Id,
    ts: Timestamp,
    kind: AlertKind,
    state: Type.Union([Type.Literal('raised'), Type.Literal('cleared')]),
    severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')]),
    model: ModelRef,
    scope: Type.Union([Type.Literal('device'), Type.Literal('fleet')]),
    deviceId: Type.Optional(DeviceId),
    window: Type.Object({ start: Timestamp, end: Timestamp, count: Count }, { additionalProperties: false }),
    signals: Type.Array(DriftSignal, { maxItems: 256 }),
    message: ShortText,
  },
  { additionalProperties: false },
)

export type ModelTarget = Type.Static<typeof ModelTarget>
export type Desired = Type.Static<typeof Desired>
export type Command = Type.Static<typeof Command>
export type Alert = Type.Static<typeof Alert>
export type AlertKind = Type.Static<typeof AlertKind>
export type DriftSignal = Type.Static<typeof DriftSignal>
