import type { Sample as SampleSchema } from '@edgefleet/protocol'
import type { Static } from 'typebox'
import type { AgentPrediction } from '../sinks/sink.ts'
import type { SourceRecord } from '../sources/source.ts'
import { protocolPrediction } from '../uplink/hub-sink.ts'
import type { SampleReason } from './sampler.ts'

/** One training sample as the protocol carries it. */
export type Sample = Static<typeof SampleSchema>

/** The protocol's bound on an id (`Id`). */
const MAX_ID = 128

/**
 * Names samples. A sample takes its reading's id when the source gave a stable one (a CSV or JSONL
 * file's `file:line`, an id column, a reading's `id`), so a replay after a restart names the same
 * reading the same way; otherwise (a counter of this run, or an id over the protocol's bound) the
 * agent's own `s<start time, base 36>-<n>`, unique per device as long as its clock does not go back.
 */
export class SampleIds {
  private readonly prefix: string
  private n = 0

  constructor(startedAt: number) {
    this.prefix = `s${startedAt.toString(36)}-`
  }

  idFor(record: Pick<SourceRecord, 'id' | 'runLocalId'>): string {
    return record.runLocalId || record.id.length > MAX_ID ? `${this.prefix}${++this.n}` : record.id
  }
}

/**
 * A kept reading as the protocol's `Sample`: its raw (unstandardised) values in the model's feature
 * order, `null` where one is missing, and the prediction the model made on it (without the agent-only
 * `actual`, which travels later as a label).
 */
export function toSample(record: SourceRecord, prediction: AgentPrediction, reason: SampleReason, id: string): Sample {
  return {
    id,
    ts: record.ts,
    reason,
    features: Array.from(record.values, (v) => (Number.isFinite(v) ? v : null)),
    prediction: protocolPrediction(prediction),
  }
}
