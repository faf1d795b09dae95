import { compare } from 'semver'
import { HubError } from '../errors.ts'
import type { SqliteStatements } from '../sqlite/sqlite-statements.ts'
import type { ModelStore, ModelVersionRecord } from './model-store.ts'
import { CACHED_MODEL_VERSIONS, toModelVersionRecord, type ModelVersionRow } from './table-rows.ts'

/**
 * The model tables of the SQLite registry (migration 1); the registry delegates to it. A registered
 * version never changes, so the versions read most recently are kept parsed (callers must not mutate them).
 */
export class SqliteModels implements ModelStore {
  private readonly cache = new Map<string, ModelVersionRecord>()

  constructor(private readonly q: SqliteStatements) {}

  async addModelVersion(r: ModelVersionRecord): Promise<void> {
    this.q.exec(() =>
      this.q.db.transaction(() => {
        const versions = (this.q.stmt('SELECT version FROM model_versions WHERE name = ?').all(r.name) as { version: string }[]).map((v) => v.version)
        if (versions.includes(r.version)) throw new HubError('HUB_MODEL_VERSION_EXISTS', `${r.name}@${r.version} is registered already: give the new package a higher version`)
        const newest = versions.sort(compare).at(-1)
        if (newest !== undefined && compare(r.version, newest) < 0) {
          throw new HubError('HUB_MODEL_VERSION_NOT_NEWER', `${r.name}@${r.version} is older than the registered ${r.name}@${newest}: versions only increase (to go back, roll back a rollout)`)
        }
        this.q.stmt('INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)').run(r.name, r.createdAt)
        this.q.stmt('INSERT INTO model_versions (name, version, sha256, size, manifest, parent_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(r.name, r.version, r.sha256, r.size, JSON.stringify(r.manifest), r.parentVersion, r.createdAt)
      }).immediate(),
    )
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersionRecord | null> {
    const key = `${name}@${version}`
    const cached = this.cache.get(key)
    if (cached) {
      // most recently used last: the first key is the one to evict
      this.cache.delete(key)
      this.cache.set(key, cached)
      return cached
    }
    const row = this.q.exec(() => this.q.stmt('SELECT * FROM model_versions WHERE name = ? AND version = ?').get(name, version) as ModelVersionRow | undefined)
    if (!row) return null
    const record = toModelVersionRecord(row)
    this.cache.set(key, record)
    if (this.cache.size > CACHED_MODEL_VERSIONS) this.cache.delete(this.cache.keys().next().value!)
    return record
  }

  async listModelVersions(name?: string): Promise<ModelVersionRecord[]> {
    const rows = this.q.exec(() =>
      (name === undefined ? this.q.stmt('SELECT * FROM model_versions').all() : this.q.stmt('SELECT * FROM model_versions WHERE name = ?').all(name)) as ModelVersionRow[],
    )
    return rows.map(toModelVersionRecord).sort((a, b) => a.name.localeCompare(b.name) || compare(a.version, b.version))
  }
}
