import Type from 'typebox'
import { Limits } from './common.ts'

/**
 * A sensor reading as sensors send it to an agent (JSONL line or MQTT payload): a flat object of
 * feature name → value. `id`, `ts` and `label` are reserved keys; every other key is a feature.
 * Values may be numbers, numeric strings (`"12.5"`) or null (missing); the agent maps them by name
 * through the model's manifest and rejects what it cannot use.
 */
export const Reading = Type.Record(
  Type.String({ maxLength: 128 }),
  Type.Union([Type.Number(), Type.String({ maxLength: 128 }), Type.Null()]),
  { maxProperties: Limits.features + 3 },
)

/** An MQTT reading payload: one reading, or a batch of them. */
export const ReadingPayload = Type.Union([Reading, Type.Array(Reading, { minItems: 1, maxItems: Limits.batchItems })])

export type Reading = Type.Static<typeof Reading>
export type ReadingPayload = Type.Static<typeof ReadingPayload>

/** Keys of a reading that are not features. */
export const READING_RESERVED_KEYS = ['id', 'ts', 'label'] as const
