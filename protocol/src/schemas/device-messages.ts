import Type from 'typebox'
import { ErrorCodes } from '../errors.ts'
import { ALERT_KINDS } from '../topics.ts'
import {
  Backend, Count, DeviceId, Finite, Id, Limits, ModelRef, ProtocolV, Seq, Sha256Hex, ShortText, Timestamp,
} from './common.ts'

/** Messages a device publishes (device → hub). All but status carry `seq` for exactly-once storage. */

export const ErrorCode = Type.Enum(ErrorCodes)

export const ActiveModel = Type.Object(
  { name: ModelRef.properties.name, version: ModelRef.properties.version, sha256: Sha256Hex },
  { additionalProperties: false },
)

export const DriftState = Type.Object(
  {
    state: Type.Union([Type.Literal('ok'), Type.Literal('drifting'), Type.Literal('unknown')]),
    /** features currently flagged by the agent's own evaluation */
    features: Type.Array(Type.String({ maxLength: 128 }), { maxItems: 64 }),
    /** alert kinds the agent's own evaluation currently raises */
    kinds: Type.Optional(Type.Array(Type.Enum(ALERT_KINDS), { maxItems: ALERT_KINDS.length })),
    /** windows evaluated since the model was loaded */
    windows: Type.Optional(Count),
    since: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
)

/** What the candidate model of a shadow stage did beside the active one, since it was loaded. */
export const ShadowState = Type.Object(
  {
    name: ModelRef.properties.name,
    version: ModelRef.properties.version,
    sha256: Sha256Hex,
    /** inputs both models ran on */
    samples: Count,
    /** share of those inputs where the candidate's top-1 class equals the active model's (classifiers) */
    agreement: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** mean absolute difference of the two models' outputs (regressors, or scores) */
    meanAbsDiff: Type.Optional(Type.Number({ minimum: 0 })),
    /** the candidate's mean inference latency per sample, ms */
    latencyMs: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
)

/** `…/status`, retained. The agent's last will is the same message with `state: 'offline'`. */
export const Status = Type.Object(
  {
    v: ProtocolV,
    deviceId: DeviceId,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    ts: Timestamp,
    /** why the device went offline: its last will fired, or it shut down cleanly */
    reason: Type.Optional(Type.Union([Type.Literal('lwt'), Type.Literal('shutdown')])),
    agentVersion: Type.Optional(Type.String({ maxLength: 64 })),
    backend: Type.Optional(Backend),
    keepaliveS: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    model: Type.Optional(Type.Union([ActiveModel, Type.Null()])),
    shadow: Type.Optional(Type.Union([ShadowState, Type.Null()])),
    uptimeS: Type.Optional(Count),
    queue: Type.Optional(Type.Object({ depth: Count, dropped: Count }, { additionalProperties: false })),
    counters: Type.Optional(
      Type.Object(
        {
          predictions: Count,
          invalidReadings: Count,
          droppedReadings: Count,
          errors: Count,
          /** inference runs that failed or produced non-finite outputs, since the model was loaded */
          inferenceErrors: Type.Optional(Count),
          /** inference runs since the model was loaded */
          inferenceRuns: Type.Optional(Count),
        },
        { additionalProperties: false },
      ),
    ),
    /** mean inference latency per sample over the last status interval, ms */
    latencyMs: Type.Optional(Type.Number({ minimum: 0 })),
    /** 95th percentile of per-sample inference latency over the last status interval, ms */
    latencyP95Ms: Type.Optional(Type.Number({ minimum: 0 })),
    drift: Type.Optional(DriftState),
  },
  { additionalProperties: false },
)

export const Detection = Type.Object(
  {
    /** [x1, y1, x2, y2], 0..1 of the image size */
    box: Type.Array(Finite, { minItems: 4, maxItems: 4 }),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    label: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
)

export const Prediction = Type.Object(
  {
    /** the reading's id (given by the source, or assigned by the agent) */
    id: Id,
    ts: Timestamp,
    /** inference time of the batch this prediction was in, divided by the batch size */
    latencyMs: Type.Number({ minimum: 0 }),
    label: Type.Optional(Type.String({ maxLength: 128 })),
    classIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: Limits.scores })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    scores: Type.Optional(Type.Array(Finite, { maxItems: Limits.scores })),
    value: Type.Optional(Type.Array(Finite, { maxItems: Limits.scores })),
    detections: Type.Optional(Type.Array(Detection, { maxItems: Limits.detections })),
  },
  { additionalProperties: false },
)

/** `…/pred`: a batch of predictions made by one model version. */
export const Predictions = Type.Object(
  {
    v: ProtocolV,
    deviceId: DeviceId,
    seq: Seq,
    ts: Timestamp,
    model: ModelRef,
    /** true when made by a shadow model: recorded, never acted on */
    shadow: Type.Optional(Type.Boolean()),
    items: Type.Array(Prediction, { minItems: 1, maxItems: Limits.batchItems }),
  },
  { additionalProperties: false },
)

const BinCounts = Type.Array(Count, { maxItems: Limits.bins + 2 })

/**
 * Constant-size summary of one numeric feature over one window, binned on the reference edges of the
 * model's manifest (K+1 edges). Mergeable exactly: counts add, min/max by min/max, mean and m2 by the
 * parallel-variance formula (Chan et al.). The counts of values <= and < each edge, which an exact-up-to-
 * binning KS statistic needs, follow from `bins` and `ties` (see `@edgefleet/models` `edgeCounts`).
 */
export const FeatureSummary = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** present (finite) values */
    count: Count,
    /** NaN, infinite or absent values */
    missing: Count,
    mean: Finite,
    /** sum of squared deviations from the mean (Welford's M2); variance = m2 / count */
    m2: Type.Number({ minimum: 0 }),
    min: Type.Union([Finite, Type.Null()]),
    max: Type.Union([Finite, Type.Null()]),
    /** K+2 counts over the reference edges: underflow, K bins (edges[i-1] <= x < edges[i], last closed), overflow */
    bins: BinCounts,
    /** values exactly equal to an edge, as [edge index, count] pairs (sparse: only edges with ties) */
    ties: Type.Array(Type.Tuple([Type.Integer({ minimum: 0, maximum: Limits.bins }), Count]), { maxItems: Limits.bins + 1 }),
  },
  { additionalProperties: false },
)

export const OutputSummary = Type.Object(
  {
    classCounts: Type.Optional(Type.Array(Count, { maxItems: Limits.scores })),
    confidenceBins: Type.Optional(Type.Array(Count, { maxItems: Limits.bins })),
    entropySum: Type.Optional(Type.Number({ minimum: 0 })),
    detectionCount: Type.Optional(Count),
  },
  { additionalProperties: false },
)

/** `…/drift`: one window's summaries, with bin edges from the model's reference statistics. */
export const DriftSummary = Type.Object(
  {
    v: ProtocolV,
    deviceId: DeviceId,
    seq: Seq,
    ts: Timestamp,
    model: ModelRef,
    window: Type.Object({ start: Timestamp, end: Timestamp, count: Count }, { additionalProperties: false }),
    features: Type.Array(FeatureSummary, { maxItems: Limits.features }),
    outputs: OutputSummary,
  },
  { additionalProperties: false },
)

export const Sample = Type.Object(
  {
    /** unique per device; labels refer to it */
    id: Id,
    ts: Timestamp,
    reason: Type.Union([
      Type.Literal('random'),
      Type.Literal('low-confidence'),
      Type.Literal('drift'),
      Type.Literal('requested'),
    ]),
    /** tabular inputs, in manifest feature order; null for a missing value */
    features: Type.Optional(Type.Array(Type.Union([Finite, Type.Null()]), { maxItems: Limits.features })),
    /** image inputs: where the agent uploaded the frame (too large for MQTT) */
    imageRef: Type.Optional(Type.String({ maxLength: 512 })),
    prediction: Type.Optional(Prediction),
  },
  { additionalProperties: false },
)

/** `…/samples`: raw inputs kept as training candidates. */
export const Samples = Type.Object(
  {
    v: ProtocolV,
    deviceId: DeviceId,
    seq: Seq,
    ts: Timestamp,
    model: ModelRef,
    items: Type.Array(Sample, { minItems: 1, maxItems: Limits.batchItems }),
  },
  { additionalProperties: false },
)

/** `…/labels`: ground truth for earlier samples, keyed by sample id. */
export const Labels = Type.Object(
  {
    v: ProtocolV,
    deviceId: DeviceId,
    seq: Seq,
    ts: Timestamp,
    items: Type.Array(
      Type.Object(
        {
          sampleId: Id,
          label: Type.Union([Type.String({ maxLength: 128 }), Finite]),
          ts: Timestamp,
          source: Type.Optional(Type.String({ maxLength: 128 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: Limits.batchItems },
    ),
  },
  { additionalProperties: false },
)

/** Named steps of model activation on a device, in order. */
export const DEPLOY_STEPS = ['received', 'download', 'verify-digest', 'verify-signature', 'load', 'self-test', 'swap', 'active', 'rollback'] as const
export const DeployStep = Type.Enum(DEPLOY_STEPS)

export const DeployEvent = Type.Object(
  {
    type: Type.Literal('deploy'),
    rolloutId: Type.Optional(Id),
    /** the desired state's generation this activation serves */
    generation: Type.Optional(Count),
    /** `shadow` when the model is being loaded as a shadow candidate, not to serve */
    role: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('shadow')])),
    model: ModelRef,
    step: DeployStep,
    state: Type.Union([Type.Literal('started'), Type.Literal('progress'), Type.Literal('succeeded'), Type.Literal('failed')]),
    progress: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    code: Type.Optional(ErrorCode),
    message: Type.Optional(ShortText),
  },
  { additionalProperties: false },
)

export const ErrorEvent = Type.Object(
  { type: Type.Literal('error'), code: ErrorCode, message: ShortText, count: Type.Optional(Count) },
  { additionalProperties: false },
)

export const CommandResultEvent = Type.Object(
  {
    type: Type.Literal('command-result'),
    commandId: Id,
    ok: Type.Boolean(),
    code: Type.Optional(ErrorCode),
    message: Type.Optional(ShortText),
  },
  { additionalProperties: false },
)

/** `…/events`: deploy progress, errors, command results. */
export const DeviceEvent = Type.Object(
  {
    v: ProtocolV,
    deviceId: DeviceId,
    seq: Seq,
    ts: Timestamp,
    event: Type.Union([DeployEvent, ErrorEvent, CommandResultEvent]),
  },
  { additionalProperties: false },
)

export type Status = Type.Static<typeof Status>
export type Prediction = Type.Static<typeof Prediction>
export type Predictions = Type.Static<typeof Predictions>
export type Detection = Type.Static<typeof Detection>
export type FeatureSummary = Type.Static<typeof FeatureSummary>
export type DriftSummary = Type.Static<typeof DriftSummary>
export type OutputSummary = Type.Static<typeof OutputSummary>
export type DriftState = Type.Static<typeof DriftState>
export type Samples = Type.Static<typeof Samples>
export type Labels = Type.Static<typeof Labels>
export type DeviceEvent = Type.Static<typeof DeviceEvent>
export type DeployStep = Type.Static<typeof DeployStep>
export type DeployEvent = Type.Static<typeof DeployEvent>
export type ShadowState = Type.Static<typeof ShadowState>
