import Type from 'typebox'
import { Count, DeviceId, Finite, Id, Limits, ModelName, SemVer, ShortText, Timestamp } from './common.ts'
import { Sample } from './device-messages.ts'

/**
 * REST bodies of retraining (`/api/v1/labels`, `/api/v1/datasets…`, `/api/v1/jobs…`): labelled samples
 * from devices, immutable dataset snapshots, and retraining jobs. docs/RETRAINING.md tells the story.
 */

/** Ground truth for one sample a device uploaded: samples are keyed by (deviceId, sampleId). */
export const LabelItem = Type.Object(
  {
    deviceId: DeviceId,
    sampleId: Id,
    label: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Finite]),
    /** when the label was established (default: when the hub received it) */
    ts: Type.Optional(Timestamp),
    /** who or what labelled it, e.g. `lab-analysis`, `operator:ana` */
    source: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
)

/** `POST /labels` as JSON; the same route takes `text/csv` with a header `device_id,sample_id,label[,ts,source]`. */
export const LabelsUploadBody = Type.Object({ items: Type.Array(LabelItem, { minItems: 1, maxItems: 100_000 }) }, { additionalProperties: false })

export const LabelsUploadResult = Type.Object(
  {
    /** labels stored (new, or replacing an earlier label of the same sample) */
    stored: Count,
    /** of those, labels whose sample the hub has not received yet: kept, and joined when it arrives */
    awaitingSample: Count,
  },
  { additionalProperties: false },
)

const CountsByKey = Type.Record(Type.String(), Count)

/** What the hub holds for one model: samples by reason, labels by class, and accuracy per version on labelled samples. */
export const DatasetSummary = Type.Object(
  {
    model: ModelName,
    samples: Count,
    labelled: Count,
    /** samples per reason the agent kept them: random, low-confidence, drift, requested */
    byReason: CountsByKey,
    /** labelled samples per true label */
    byClass: CountsByKey,
    oldest: Type.Union([Timestamp, Type.Null()]),
    newest: Type.Union([Timestamp, Type.Null()]),
    /** how each version did on the samples it predicted that have a label: the fleet's measured accuracy */
    accuracyByVersion: Type.Array(Type.Object({ version: SemVer, labelled: Count, correct: Count, accuracy: Type.Union([Finite, Type.Null()]) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
)

/** An immutable, versioned snapshot of one model's labelled samples (a JSONL file the hub keeps). */
export const DatasetSnapshotView = Type.Object(
  {
    model: ModelName,
    /** 1, 2, …: increases per model */
    snapshot: Type.Integer({ minimum: 1 }),
    createdAt: Timestamp,
    rows: Count,
    byClass: CountsByKey,
    /** sample timestamps covered */
    from: Type.Union([Timestamp, Type.Null()]),
    to: Type.Union([Timestamp, Type.Null()]),
    /** sha256 of the JSONL file */
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** what made it: `manual`, or the job id */
    reason: Type.String({ maxLength: 128 }),
  },
  { additionalProperties: false },
)

export const DatasetSnapshotList = Type.Object({ snapshots: Type.Array(DatasetSnapshotView) }, { additionalProperties: false })

/** `/datasets/:model…` */
export const DatasetParams = Type.Object({ model: ModelName }, { additionalProperties: false })
/** `/datasets/:model/snapshots/:snapshot…` */
export const DatasetSnapshotParams = Type.Object({ model: ModelName, snapshot: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })

/**
 * One line of a snapshot's JSONL file (`GET /datasets/:model/snapshots/:snapshot/data`): a labelled
 * sample as the device kept it, its true label, and what the version running on the device predicted.
 */
export const DatasetRow = Type.Object(
  {
    deviceId: DeviceId,
    sampleId: Id,
    /** when the device took the sample */
    ts: Timestamp,
    reason: Sample.properties.reason,
    /** tabular inputs in the manifest's feature order (null: missing); null for image samples */
    features: Type.Union([Type.Array(Type.Union([Finite, Type.Null()]), { maxItems: Limits.features }), Type.Null()]),
    /** image samples: where the agent uploaded the frame */
    imageRef: Type.Union([Type.String({ maxLength: 512 }), Type.Null()]),
    /** the true label; numeric labels as their string */
    label: Type.String({ maxLength: 128 }),
    labelTs: Timestamp,
    labelSource: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
    /** the version that ran on the device when the sample was taken, and what it predicted */
    prediction: Type.Object(
      {
        version: SemVer,
        label: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
        classIndex: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
        confidence: Type.Union([Finite, Type.Null()]),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

export const JOB_STATES = ['queued', 'running', 'succeeded', 'rejected', 'failed', 'cancelled'] as const
export const JOB_TRIGGERS = ['manual', 'drift', 'schedule', 'labels'] as const

/** A candidate's and the current version's figures on the same holdout. */
export const EvaluationView = Type.Object(
  {
    /** the metric the gate compares (`accuracy`, `macroF1`) */
    metric: Type.String({ maxLength: 32 }),
    holdoutRows: Count,
    candidate: Type.Record(Type.String(), Finite),
    current: Type.Record(Type.String(), Finite),
    /** candidate − current on `metric` */
    improvement: Finite,
    /** the least improvement that registers the candidate */
    margin: Finite,
    passed: Type.Boolean(),
  },
  { additionalProperties: false },
)

/** A retraining job: why it ran, where it got to, and what it produced. */
export const JobView = Type.Object(
  {
    id: Id,
    model: ModelName,
    trigger: Type.Enum(JOB_TRIGGERS),
    /** why, for people: the alert, the schedule, the label count, the operator */
    reason: ShortText,
    state: Type.Enum(JOB_STATES),
    /** the version it retrains (the newest registered when it started) */
    parentVersion: Type.Union([SemVer, Type.Null()]),
    trainer: Type.String({ maxLength: 256 }),
    progress: Type.Union([Type.Object({ stage: Type.String(), done: Count, total: Count, message: Type.Optional(ShortText) }, { additionalProperties: false }), Type.Null()]),
    snapshot: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    evaluation: Type.Union([EvaluationView, Type.Null()]),
    /** the registered candidate */
    candidateVersion: Type.Union([SemVer, Type.Null()]),
    rolloutId: Type.Union([Id, Type.Null()]),
    error: Type.Union([Type.Object({ code: Type.String(), message: ShortText }, { additionalProperties: false }), Type.Null()]),
    createdAt: Timestamp,
    startedAt: Type.Union([Timestamp, Type.Null()]),
    finishedAt: Type.Union([Timestamp, Type.Null()]),
    by: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
  },
  { additionalProperties: false },
)

export const JobList = Type.Object({ jobs: Type.Array(JobView) }, { additionalProperties: false })
export const JobListQuery = Type.Object(
  { model: Type.Optional(ModelName), state: Type.Optional(Type.String({ maxLength: 16 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
)
export const JobCreateBody = Type.Object({ model: ModelName, reason: Type.Optional(ShortText) }, { additionalProperties: false })
export const JobParams = Type.Object({ id: Id }, { additionalProperties: false })

export type LabelItem = Type.Static<typeof LabelItem>
export type LabelsUploadBody = Type.Static<typeof LabelsUploadBody>
export type LabelsUploadResult = Type.Static<typeof LabelsUploadResult>
export type DatasetSummary = Type.Static<typeof DatasetSummary>
export type DatasetSnapshotView = Type.Static<typeof DatasetSnapshotView>
export type DatasetSnapshotList = Type.Static<typeof DatasetSnapshotList>
export type DatasetParams = Type.Static<typeof DatasetParams>
export type DatasetSnapshotParams = Type.Static<typeof DatasetSnapshotParams>
export type DatasetRow = Type.Static<typeof DatasetRow>
export type EvaluationView = Type.Static<typeof EvaluationView>
export type JobView = Type.Static<typeof JobView>
export type JobList = Type.Static<typeof JobList>
export type JobListQuery = Type.Static<typeof JobListQuery>
export type JobCreateBody = Type.Static<typeof JobCreateBody>
export type JobState = (typeof JOB_STATES)[number]
export type JobTrigger = (typeof JOB_TRIGGERS)[number]
