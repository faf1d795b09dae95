import Type from 'typebox'
import { Finite, Limits, ModelName, ModelRef, SemVer, Sha256Hex, ShortText, Timestamp, Count } from './common.ts'

const Numbers = (maxItems: number) => Type.Array(Finite, { maxItems })

export const TensorDType = Type.Union([
  Type.Literal('float32'),
  Type.Literal('float16'),
  Type.Literal('int64'),
  Type.Literal('int32'),
  Type.Literal('uint8'),
  Type.Literal('bool'),
])

/** A dimension: a fixed size, or a name for a dynamic one (`batch`). */
export const Dim = Type.Union([Type.Integer({ minimum: 1, maximum: 1 << 20 }), Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,31}$' })])

export const Standardize = Type.Object(
  {
    type: Type.Literal('standardize'),
    /** per feature, in feature order: x' = (x - mean) / std */
    mean: Numbers(Limits.features),
    std: Numbers(Limits.features),
  },
  { additionalProperties: false },
)

export const NoPreprocessing = Type.Object({ type: Type.Literal('none') }, { additionalProperties: false })

export const ImagePreprocessing = Type.Object(
  {
    type: Type.Literal('image'),
    width: Type.Integer({ minimum: 1, maximum: 8192 }),
    height: Type.Integer({ minimum: 1, maximum: 8192 }),
    /** stretch to size, letterbox (keep aspect, pad), or centre-crop after resizing the short side */
    resize: Type.Union([Type.Literal('stretch'), Type.Literal('letterbox'), Type.Literal('crop')]),
    channels: Type.Union([Type.Literal('rgb'), Type.Literal('bgr'), Type.Literal('gray')]),
    layout: Type.Union([Type.Literal('nchw'), Type.Literal('nhwc')]),
    /** per channel: x' = (x * scale - mean) / std, with x in 0..255 */
    scale: Finite,
    mean: Numbers(4),
    std: Numbers(4),
  },
  { additionalProperties: false },
)

export const Feature = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128 }), unit: Type.Optional(Type.String({ maxLength: 32 })) },
  { additionalProperties: false },
)

export const ManifestInput = Type.Object(
  {
    /** the ONNX graph input's name */
    name: Type.String({ minLength: 1, maxLength: 256 }),
    dtype: TensorDType,
    shape: Type.Array(Dim, { minItems: 1, maxItems: 8 }),
    kind: Type.Union([Type.Literal('tabular'), Type.Literal('image')]),
    /** tabular inputs: one entry per element of the last dimension, in order */
    features: Type.Optional(Type.Array(Feature, { maxItems: Limits.features })),
    preprocessing: Type.Union([Standardize, NoPreprocessing, ImagePreprocessing]),
  },
  { additionalProperties: false },
)

export const ManifestOutput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    dtype: TensorDType,
    shape: Type.Array(Dim, { minItems: 1, maxItems: 8 }),
    /** how to read it: class probabilities, raw logits (softmax applied by the agent), a regression value, detection scores or boxes */
    role: Type.Union([
      Type.Literal('probabilities'),
      Type.Literal('logits'),
      Type.Literal('value'),
      Type.Literal('scores'),
      Type.Literal('boxes'),
    ]),
    labels: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: Limits.scores })),
  },
  { additionalProperties: false },
)

export const ClassificationPost = Type.Object(
  { type: Type.Literal('classification'), topK: Type.Integer({ minimum: 1, maximum: 100 }) },
  { additionalProperties: false },
)
export const RegressionPost = Type.Object({ type: Type.Literal('regression') }, { additionalProperties: false })
export const DetectionPost = Type.Object(
  {
    type: Type.Literal('detection'),
    /** index of the class column in the scores output that means "object" (UltraFace: 1 = face) */
    classIndex: Type.Integer({ minimum: 0, maximum: 1000 }),
    scoreThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    iouThreshold: Type.Number({ minimum: 0, maximum: 1 }),
    maxDetections: Type.Integer({ minimum: 1, maximum: Limits.detections }),
    /** boxes as [x1, y1, x2, y2], each 0..1 of the image size */
    boxFormat: Type.Literal('corner-normalized'),
  },
  { additionalProperties: false },
)

/** Reference distribution of one numeric feature (or image statistic), frozen at training time. */
export const FeatureReference = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** K+1 strictly increasing quantile edges (K = 16..64 bins; fewer when the data has fewer distinct values) */
    edges: Type.Array(Finite, { minItems: 2, maxItems: Limits.bins + 1 }),
    /** K+2 proportions: below edges[0], the K bins (edges[i] <= x < edges[i+1], last bin closed), above the last edge */
    proportions: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { minItems: 3, maxItems: Limits.bins + 2 }),
    /** K+1 proportions of values exactly equal to each edge (ties), for exact KS at the edges; absent = none */
    edgeMass: Type.Optional(Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { maxItems: Limits.bins + 1 })),
    mean: Finite,
    std: Type.Number({ minimum: 0 }),
    min: Finite,
    max: Finite,
    missingRate: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
)

export const OutputReference = Type.Object(
  {
    /** rows the output statistics come from, when not the reference's `sampleCount` (e.g. a holdout split) */
    sampleCount: Type.Optional(Count),
    /** proportion of each class among the reference predictions, in label order */
    classDistribution: Type.Optional(Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { maxItems: Limits.scores })),
    /** histogram of top-1 confidence over `confidenceEdges` (K+1 edges, K proportions) */
    confidenceEdges: Type.Optional(Numbers(Limits.bins + 1)),
    confidenceProportions: Type.Optional(Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { maxItems: Limits.bins })),
    meanEntropy: Type.Optional(Finite),
    /** detection models: mean detections per frame and top-score histogram */
    meanDetections: Type.Optional(Finite),
  },
  { additionalProperties: false },
)

export const ReferenceStatistics = Type.Object(
  {
    /** how many samples the statistics were computed from, and from which data */
    sampleCount: Count,
    source: ShortText,
    features: Type.Array(FeatureReference, { maxItems: Limits.features }),
    outputs: OutputReference,
  },
  { additionalProperties: false },
)

/**
 * Input of a self-test vector: literal values, or generated deterministically (so a 230 k-value image
 * input needs no storage). `uniform` uses the mulberry32 generator in `self-test-input.ts`.
 */
export const SelfTestInput = Type.Union([
  Type.Object({ kind: Type.Literal('values'), values: Numbers(1 << 16) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('constant'), value: Finite }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('uniform'), seed: Type.Integer({ minimum: 0, maximum: 0xffffffff }), min: Finite, max: Finite },
    { additionalProperties: false },
  ),
])

/**
 * Expected value of one output: every element, or (for large outputs) a fingerprint of them that is
 * compared element-free: count, sum, sum of absolute values, min, max and the first elements.
 */
export const SelfTestExpected = Type.Union([
  Type.Object({ kind: Type.Literal('values'), values: Numbers(1 << 16) }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('fingerprint'),
      count: Count,
      sum: Finite,
      sumAbs: Finite,
      min: Finite,
      max: Finite,
      head: Numbers(64),
    },
    { additionalProperties: false },
  ),
])

export const SelfTestVector = Type.Object(
  {
    /** model input name → input; shape is the manifest input's with dynamic dimensions set to 1 */
    inputs: Type.Record(Type.String({ maxLength: 256 }), SelfTestInput),
    expected: Type.Record(Type.String({ maxLength: 256 }), SelfTestExpected),
  },
  { additionalProperties: false },
)

export const SelfTest = Type.Object(
  {
    /** absolute tolerance per element (fingerprints: scaled by the element count for sums) */
    tolerance: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    vectors: Type.Array(SelfTestVector, { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
)

export const Evaluation = Type.Object(
  {
    dataset: Type.String({ maxLength: 256 }),
    samples: Count,
    accuracy: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    macroF1: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
)

export const TrainingMetadata = Type.Object(
  {
    /** where the training data came from (data set and subset), in words */
    data: ShortText,
    /** sha256 over the training data files, so retraining lineage can name exact data */
    dataSha256: Type.Optional(Sha256Hex),
    library: Type.String({ maxLength: 128 }),
    seed: Type.Optional(Type.Integer()),
    parent: Type.Union([ModelRef, Type.Null()]),
    /** headline metrics, e.g. holdoutAccuracy */
    metrics: Type.Record(Type.String({ maxLength: 64 }), Finite),
    /** metrics per evaluation data set (e.g. each later batch of a drifting sensor) */
    evaluations: Type.Array(Evaluation, { maxItems: 256 }),
  },
  { additionalProperties: false },
)

/**
 * How drift is judged (docs/DRIFT.md): built-in defaults, overridden by a model's manifest (`drift`),
 * overridden by the hub operator's configuration per model. Every field is optional.
 */
export const DriftPolicyFields = Type.Object(
  {
    /** per-feature statistic that decides drift */
    metric: Type.Optional(Type.Enum(['psi', 'jensen-shannon', 'ks', 'wasserstein'] as const)),
    /** quantile of the resampled no-drift distribution used as threshold (KS: level 1 − quantile) */
    quantile: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.99999 })),
    /** resampled windows per threshold */
    resamples: Type.Optional(Type.Integer({ minimum: 100, maximum: 100_000 })),
    /** share of features that must drift for data drift */
    driftShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** share of drifted features that makes data drift critical */
    criticalShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** raise after this many drifted windows in a row */
    raiseAfter: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** clear after this many clean windows in a row */
    clearAfter: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** smallest window judged on its own */
    minCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
)

/** Drift defaults of a model: the agent's window size, and optionally how drift is judged. */
export const DriftDefaults = Type.Object(
  {
    /** close a window after this many samples… */
    windowSamples: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    /** …or this many seconds after its first sample, whichever comes first */
    windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    ...DriftPolicyFields.properties,
  },
  { additionalProperties: false },
)

/** Signature added by the hub when a version is registered (Ed25519 over the canonical signed fields). */
export const ManifestSignature = Type.Object(
  {
    alg: Type.Literal('ed25519'),
    keyId: Type.String({ maxLength: 128 }),
    expiresAt: Timestamp,
    /** base64 */
    value: Type.String({ maxLength: 256 }),
  },
  { additionalProperties: false },
)

/** `manifest.json` of a model package. The ONNX file sits next to it as `model.file`. */
export const Manifest = Type.Object(
  {
    formatVersion: Type.Literal(1),
    name: ModelName,
    version: SemVer,
    description: Type.Optional(ShortText),
    license: Type.Optional(Type.String({ maxLength: 256 })),
    task: Type.Union([Type.Literal('classification'), Type.Literal('regression'), Type.Literal('detection')]),
    createdAt: Type.String({ maxLength: 64, description: 'ISO 8601' }),
    model: Type.Object(
      {
        file: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}\\.onnx$' }),
        sha256: Sha256Hex,
        size: Type.Integer({ minimum: 1, maximum: 2 ** 32 }),
        opset: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      },
      { additionalProperties: false },
    ),
    inputs: Type.Array(ManifestInput, { minItems: 1, maxItems: 16 }),
    outputs: Type.Array(ManifestOutput, { minItems: 1, maxItems: 16 }),
    postprocessing: Type.Union([ClassificationPost, RegressionPost, DetectionPost]),
    reference: ReferenceStatistics,
    drift: DriftDefaults,
    selfTest: SelfTest,
    training: TrainingMetadata,
    signature: Type.Optional(ManifestSignature),
  },
  { additionalProperties: false },
)

export type Manifest = Type.Static<typeof Manifest>
export type ManifestInput = Type.Static<typeof ManifestInput>
export type ManifestOutput = Type.Static<typeof ManifestOutput>
export type FeatureReference = Type.Static<typeof FeatureReference>
export type ReferenceStatistics = Type.Static<typeof ReferenceStatistics>
export type SelfTestVector = Type.Static<typeof SelfTestVector>
export type SelfTestInput = Type.Static<typeof SelfTestInput>
export type SelfTestExpected = Type.Static<typeof SelfTestExpected>
export type ImagePreprocessing = Type.Static<typeof ImagePreprocessing>
export type Evaluation = Type.Static<typeof Evaluation>
export type DriftDefaults = Type.Static<typeof DriftDefaults>
export type DriftPolicyFields = Type.Static<typeof DriftPolicyFields>
export type ManifestSignature = Type.Static<typeof ManifestSignature>
