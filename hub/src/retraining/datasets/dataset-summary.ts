import type { DatasetSummary } from '@edgefleet/protocol'
import { compare } from 'semver'
import type { SqliteStatements } from '../../sqlite/sqlite-statements.ts'

const JOIN = 'samples s JOIN labels l ON l.device_id = s.device_id AND l.sample_id = s.sample_id'
/** what the version predicted: its label, else its class index (as the string a numeric label is stored as) */
const PREDICTED = 'coalesce(s.pred_label, CAST(s.pred_class AS TEXT))'

/** One model's dataset: samples by reason, labelled samples by true label, measured accuracy per version. */
export function summarise(q: SqliteStatements, model: string): DatasetSummary {
  const totals = q.stmt('SELECT count(*) AS n, min(ts) AS oldest, max(ts) AS newest FROM samples WHERE model = ?')
    .get(model) as { n: number; oldest: number | null; newest: number | null }
  const byReason = q.stmt('SELECT reason AS k, count(*) AS n FROM samples WHERE model = ? GROUP BY reason').all(model) as { k: string; n: number }[]
  const byClass = q.stmt(`SELECT l.label AS k, count(*) AS n FROM ${JOIN} WHERE s.model = ? GROUP BY l.label`).all(model) as { k: string; n: number }[]
  // every version with samples is listed; accuracy counts its labelled samples that carry a prediction
  const versions = q.stmt(`SELECT s.version,
      sum(CASE WHEN l.label IS NOT NULL AND ${PREDICTED} IS NOT NULL THEN 1 ELSE 0 END) AS labelled,
      sum(CASE WHEN ${PREDICTED} = l.label THEN 1 ELSE 0 END) AS correct
    FROM samples s LEFT JOIN labels l ON l.device_id = s.device_id AND l.sample_id = s.sample_id
    WHERE s.model = ? GROUP BY s.version`).all(model) as { version: string; labelled: number; correct: number }[]
  return {
    model,
    samples: totals.n,
    labelled: byClass.reduce((sum, c) => sum + c.n, 0),
    byReason: Object.fromEntries(byReason.map((r) => [r.k, r.n])),
    byClass: Object.fromEntries(byClass.map((r) => [r.k, r.n])),
    oldest: totals.oldest,
    newest: totals.newest,
    accuracyByVersion: versions
      .sort((a, b) => compare(a.version, b.version))
      .map((v) => ({ version: v.version, labelled: v.labelled, correct: v.correct, accuracy: v.labelled > 0 ? v.correct / v.labelled : null })),
  }
}

/** Labelled samples of `model` that became labelled (both halves at the hub) at or after `since`. */
export function countLabelled(q: SqliteStatements, model: string, since?: number): number {
  if (since === undefined) return (q.stmt(`SELECT count(*) AS n FROM ${JOIN} WHERE s.model = ?`).get(model) as { n: number }).n
  return (q.stmt(`SELECT count(*) AS n FROM ${JOIN} WHERE s.model = ? AND max(s.received_at, l.received_at) >= ?`).get(model, since) as { n: number }).n
}
