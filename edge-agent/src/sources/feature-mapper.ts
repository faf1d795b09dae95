import { READING_RESERVED_KEYS, type Reading } from '@edgefleet/protocol'
import type { Rejection, SourceRecord } from './source.ts'

type Mapped = { record: SourceRecord } | { rejection: Omit<Rejection, 'where'> }

/** Parses a numeric field; NaN for empty/missing, undefined when it is not a number at all. */
export function parseNumber(field: string | number | null | undefined): number | undefined {
  if (field === null || field === undefined || field === '') return NaN
  if (typeof field === 'number') return Number.isFinite(field) ? field : undefined
  const v = Number(field)
  return Number.isFinite(v) && field.trim() !== '' ? v : undefined
}

/**
 * Maps named readings (JSONL lines, MQTT payloads) to the model's feature order. A reading must carry
 * every feature as a finite number or numeric string; extra keys are ignored, so sensors may send more.
 */
export class FeatureMapper {
  private readonly index = new Map<string, number>()
  constructor(readonly features: readonly string[]) {
    features.forEach((f, i) => this.index.set(f, i))
  }

  /**
   * Maps one reading; `fallbackId` names it when it has no `id` of its own, and `fallbackIsRunLocal`
   * says that name is only a counter of this run (see `SourceRecord.runLocalId`).
   */
  map(reading: Reading, fallbackId: string, now: number, fallbackIsRunLocal = false): Mapped {
    const values = new Float64Array(this.features.length).fill(NaN)
    for (const key of Object.keys(reading)) {
      const j = this.index.get(key)
      if (j === undefined) continue
      const v = parseNumber(reading[key])
      if (v === undefined) {
        return { rejection: { code: 'AGENT_FEATURE_NOT_NUMERIC', message: `feature ${key} is ${JSON.stringify(reading[key])}, not a number` } }
      }
      values[j] = v
    }
    const missing = this.features.filter((_, j) => Number.isNaN(values[j]))
    if (missing.length > 0) {
      return { rejection: { code: 'AGENT_FEATURE_MISSING', message: `missing ${missing.length} feature(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}` } }
    }
    const id = reading.id
    const ts = typeof reading.ts === 'number' && Number.isInteger(reading.ts) && reading.ts >= 0 ? reading.ts : now
    const own = typeof id === 'string' || typeof id === 'number'
    const record: SourceRecord = { id: own ? String(id).slice(0, 128) : fallbackId, ts, values }
    if (!own && fallbackIsRunLocal) record.runLocalId = true
    const label = reading.label
    if (typeof label === 'string' || typeof label === 'number') record.actual = String(label)
    return { record }
  }
}

export const RESERVED = new Set<string>(READING_RESERVED_KEYS)
