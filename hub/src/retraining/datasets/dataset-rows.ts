import type { DatasetRow, DatasetSnapshotView, Samples } from '@edgefleet/protocol'
import type { LabelledSampleRow, SnapshotRow } from './datasets-schema.ts'

/** A labelled sample as a snapshot row (a line of the JSONL file). */
export function toDatasetRow(r: LabelledSampleRow): DatasetRow {
  return {
    deviceId: r.device_id,
    sampleId: r.sample_id,
    ts: r.ts,
    reason: r.reason as DatasetRow['reason'],
    features: r.features === null ? null : (JSON.parse(r.features) as (number | null)[]),
    imageRef: r.image_ref,
    label: r.label,
    labelTs: r.label_ts,
    labelSource: r.source,
    prediction: { version: r.version, label: r.pred_label, classIndex: r.pred_class, confidence: r.pred_confidence },
  }
}

export function toSnapshotView(r: SnapshotRow): DatasetSnapshotView {
  return {
    model: r.model,
    snapshot: r.n,
    createdAt: r.created_at,
    rows: r.rows,
    byClass: JSON.parse(r.by_class) as Record<string, number>,
    from: r.from_ts,
    to: r.to_ts,
    sha256: r.sha256,
    reason: r.reason,
  }
}

/** The `samples` insert's parameters for one item of a message. */
export function sampleParams(m: Samples, item: Samples['items'][number], receivedAt: number): (string | number | null)[] {
  const p = item.prediction
  return [
    m.deviceId, item.id, m.model.name, m.model.version, item.ts, item.reason,
    item.features === undefined ? null : JSON.stringify(item.features), item.imageRef ?? null,
    p?.label ?? null, p?.classIndex ?? null, p?.confidence ?? null, receivedAt,
  ]
}

export const INSERT_SAMPLE_SQL = `INSERT OR IGNORE INTO samples
  (device_id, sample_id, model, version, ts, reason, features, image_ref, pred_label, pred_class, pred_confidence, received_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

/*
 * The newest ts wins; on a tie the stored label stays, so that a redelivery (same ts) changes nothing,
 * not even the label's arrival time.
 */
export const UPSERT_LABEL_SQL = `INSERT INTO labels (device_id, sample_id, label, ts, source, received_at) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (device_id, sample_id) DO UPDATE SET
    label = excluded.label, ts = excluded.ts, source = excluded.source, received_at = excluded.received_at
  WHERE excluded.ts > labels.ts`
