import { FLEET_SCOPE } from '@edgefleet/protocol'
import type Database from 'better-sqlite3'
import type { DriftFeatureStats, DriftWindowQuery, DriftWindowRecord } from './drift-records.ts'
import type { DriftFeatureRow, DriftWindowRow } from './sqlite-schema.ts'

/** The seq column's value for fleet windows, which have none (a primary key column cannot be NULL). */
const FLEET_SEQ = -1

const INSERT_WINDOW = `INSERT OR IGNORE INTO drift_windows
  (model, device_id, version, ts, seq, start, count, drift_share, data_drift) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
const INSERT_FEATURE = `INSERT OR IGNORE INTO drift_features
  (model, device_id, version, ts, seq, feature, idx, count, missing_rate, psi, js, ks, ks_p, wasserstein, psi_t, js_t, ks_t, wasserstein_t, drifted)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
const WINDOW_KEY = 'model = @model AND device_id = @device AND version = @version AND ts = @ts AND seq = @seq'
const FEATURE_COLUMNS = 'feature, count, missing_rate, psi, js, ks, ks_p, wasserstein, psi_t, js_t, ks_t, wasserstein_t, drifted'

/**
 * The drift tables of the SQLite telemetry store (schema in `sqlite-schema.ts`). Each write is one
 * transaction; a window already stored (same key) is left as it is, features included.
 */
export class SqliteDriftTables {
  private readonly insertMany: (records: readonly DriftWindowRecord[], cutoff: number | null) => void

  /** `stmt`: the store's prepared-statement cache, shared so each SQL text is prepared once per handle */
  constructor(db: Database.Database, private readonly stmt: (sql: string) => Database.Statement) {
    const window = db.prepare(INSERT_WINDOW)
    const feature = db.prepare(INSERT_FEATURE)
    this.insertMany = db.transaction((records: readonly DriftWindowRecord[], cutoff: number | null) => {
      for (const r of records) {
        if (cutoff !== null && r.ts < cutoff) continue
        const key = [r.model, r.deviceId ?? FLEET_SCOPE, r.version, r.ts, r.seq ?? FLEET_SEQ] as const
        // a redelivered window: its features are stored already
        if (window.run(...key, r.start, r.count, r.driftShare, r.dataDrift ? 1 : 0).changes === 0) continue
        r.features.forEach((f, idx) => {
          const t = f.thresholds
          feature.run(...key, f.name, idx, f.count, f.missingRate, f.psi, f.jensenShannon, f.ks, f.ksPValue, f.wasserstein,
            t.psi, t.jensenShannon, t.ks, t.wasserstein, f.drifted ? 1 : 0)
        })
      }
    })
  }

  /** Stores windows whose end is not before `cutoff` (null: all). */
  write(records: readonly DriftWindowRecord[], cutoff: number | null): void {
    this.insertMany(records, cutoff)
  }

  /** Newest first; ties in window end are ordered by device, version and seq. */
  query(q: DriftWindowQuery, limit: number): DriftWindowRecord[] {
    const where = ['model = @model']
    const params: Record<string, string | number> = { model: q.model, limit }
    const add = (clause: string, name: string, value: string | number | undefined): void => {
      if (value === undefined) return
      where.push(clause)
      params[name] = value
    }
    add('version = @version', 'version', q.version)
    add('device_id = @device', 'device', q.deviceId)
    if (q.fleet !== undefined) where.push(q.fleet ? `device_id = '${FLEET_SCOPE}'` : `device_id <> '${FLEET_SCOPE}'`)
    add('ts >= @from', 'from', q.from)
    add('ts < @to', 'to', q.to)
    const rows = this.stmt(`SELECT * FROM drift_windows WHERE ${where.join(' AND ')}
      ORDER BY ts DESC, device_id, version, seq DESC LIMIT @limit`).all(params) as DriftWindowRow[]
    const features = this.stmt(`SELECT ${FEATURE_COLUMNS} FROM drift_features WHERE ${WINDOW_KEY}${q.feature === undefined ? '' : ' AND feature = @feature'} ORDER BY idx`)
    return rows.map((w) => {
      const key = { model: w.model, device: w.device_id, version: w.version, ts: w.ts, seq: w.seq, ...(q.feature === undefined ? {} : { feature: q.feature }) }
      const fleet = w.device_id === FLEET_SCOPE
      return {
        ts: w.ts,
        start: w.start,
        deviceId: fleet ? null : w.device_id,
        seq: fleet ? null : w.seq,
        model: w.model,
        version: w.version,
        count: w.count,
        driftShare: w.drift_share,
        dataDrift: w.data_drift === 1,
        features: (features.all(key) as DriftFeatureRow[]).map(featureStats),
      }
    })
  }
}

function featureStats(r: DriftFeatureRow): DriftFeatureStats {
  return {
    name: r.feature,
    count: r.count,
    missingRate: r.missing_rate,
    psi: r.psi,
    jensenShannon: r.js,
    ks: r.ks,
    ksPValue: r.ks_p,
    wasserstein: r.wasserstein,
    thresholds: { psi: r.psi_t, jensenShannon: r.js_t, ks: r.ks_t, wasserstein: r.wasserstein_t },
    drifted: r.drifted === 1,
  }
}
