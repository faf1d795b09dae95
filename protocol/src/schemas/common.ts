import Type from 'typebox'

/**
 * Device ids are single MQTT topic levels: no `/`, `+`, `#`, NUL; they never start with `_`
 * (reserved for hub scopes such as `_fleet`).
 */
export const DeviceId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'device id' })

/** Model names: lower-case, digits and dashes; also used as a topic level. */
export const ModelName = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'model name' })

/** Semantic version `MAJOR.MINOR.PATCH` with an optional pre-release tag. */
export const SemVer = Type.String({
  pattern: '^(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z.-]{1,32})?$',
  description: 'semantic version',
})

export const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256, lower-case hex' })

/** Milliseconds since the Unix epoch. */
export const Timestamp = Type.Integer({ minimum: 0, maximum: 8.64e15, description: 'ms since the Unix epoch' })

/** Per-device message sequence number: strictly increasing across all of a device's uplink messages. */
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })

export const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })

/** A finite number (NaN and ±Infinity cannot be sent as JSON and are refused). */
export const Finite = Type.Number()

export const ShortText = Type.String({ maxLength: 1024 })

export const Id = Type.String({ minLength: 1, maxLength: 128 })

export const ModelRef = Type.Object(
  { name: ModelName, version: SemVer },
  { additionalProperties: false, description: 'a model version' },
)

export const ProtocolV = Type.Literal(1, { description: 'protocol version' })

export const Backend = Type.Union([Type.Literal('wasm'), Type.Literal('native'), Type.Literal('webgpu')])

/** Fixed bounds for arrays so that no payload can make a receiver allocate without limit. */
export const Limits = {
  /** predictions, samples or labels in one message */
  batchItems: 1000,
  /** features of one tabular input */
  features: 4096,
  /** scores of one prediction */
  scores: 1000,
  /** detections of one prediction */
  detections: 500,
  /** reference-quantile bins per feature (plus under/overflow) */
  bins: 64,
} as const
export type ModelRef = Type.Static<typeof ModelRef>
