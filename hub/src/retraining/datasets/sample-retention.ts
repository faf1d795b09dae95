import type { SqliteStatements } from '../../sqlite/sqlite-statements.ts'

/** How many samples to delete so that `count` fits `max`, and a little more (see {@link samplesOverLimit}). */
export function samplesOverLimit(count: number, max: number): number {
  if (max === 0 || count <= max) return 0
  // down to 99 % of the limit: at the limit, the oldest-first delete then runs once per 1 % of new
  // samples instead of after every message
  return count - (max - Math.floor(max / 100))
}

const LABELLED = 'EXISTS (SELECT 1 FROM labels l WHERE l.device_id = s.device_id AND l.sample_id = s.sample_id)'

/**
 * Deletes `excess` samples of `model`: the oldest unlabelled ones first, then the oldest labelled
 * ones together with their labels. Both walk the (model, ts) index and stop at the limit.
 * Runs in the caller's transaction.
 */
export function deleteOldestSamples(q: SqliteStatements, model: string, excess: number): { unlabelled: number; labelled: number } {
  const unlabelled = q.stmt(`DELETE FROM samples WHERE rowid IN (
      SELECT s.rowid FROM samples s WHERE s.model = ? AND NOT ${LABELLED} ORDER BY s.ts, s.rowid LIMIT ?)`).run(model, excess).changes
  const rest = excess - unlabelled
  if (rest <= 0) return { unlabelled, labelled: 0 }
  const doomed = q.stmt(`DELETE FROM samples WHERE rowid IN (
      SELECT s.rowid FROM samples s WHERE s.model = ? AND ${LABELLED} ORDER BY s.ts, s.rowid LIMIT ?)
    RETURNING device_id, sample_id`).all(model, rest) as { device_id: string; sample_id: string }[]
  const dropLabel = q.stmt('DELETE FROM labels WHERE device_id = ? AND sample_id = ?')
  for (const d of doomed) dropLabel.run(d.device_id, d.sample_id)
  return { unlabelled, labelled: doomed.length }
}
