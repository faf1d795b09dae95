import { compare } from 'semver'
import { HubError } from '../../errors.ts'
import type { ModelStore, ModelVersionRecord } from '../model-store.ts'
import type { PgQueries } from './pg-queries.ts'
import { CACHED_MODEL_VERSIONS, toModelVersionRecord, type ModelVersionRow } from '../table-rows.ts'

/**
 * The model tables of the PostgreSQL registry (migration 1). A registered version never changes (in
 * any hub instance), so the versions read most recently are kept parsed (callers must not mutate them).
 */
export class PgModels implements ModelStore {
  private readonly cache = new Map<string, ModelVersionRecord>()

  constructor(private readonly q: PgQueries) {}

  async addModelVersion(r: ModelVersionRecord): Promise<void> {
    await this.q.tx(async (t) => {
      // the model's row, locked: pushes of one model are checked and stored one at a time
      await t.run('INSERT INTO models (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [r.name, r.createdAt])
      await t.run('SELECT 1 FROM models WHERE name = $1 FOR UPDATE', [r.name])
      const versions = (await t.rows<{ version: string }>('SELECT version FROM model_versions WHERE name = $1', [r.name])).map((v) => v.version)
      if (versions.includes(r.version)) throw new HubError('HUB_MODEL_VERSION_EXISTS', `${r.name}@${r.version} is registered already: give the new package a higher version`)
      const newest = versions.sort(compare).at(-1)
      if (newest !== undefined && compare(r.version, newest) < 0) {
        throw new HubError('HUB_MODEL_VERSION_NOT_NEWER', `${r.name}@${r.version} is older than the registered ${r.name}@${newest}: versions only increase (to go back, roll back a rollout)`)
      }
      await t.run('INSERT INTO model_versions (name, version, sha256, size, manifest, parent_version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [r.name, r.version, r.sha256, r.size, JSON.stringify(r.manifest), r.parentVersion, r.createdAt])
    })
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
    const row = await this.q.one<ModelVersionRow>('SELECT * FROM model_versions WHERE name = $1 AND version = $2', [name, version])
    if (!row) return null
    const record = toModelVersionRecord(row)
    this.cache.set(key, record)
    if (this.cache.size > CACHED_MODEL_VERSIONS) this.cache.delete(this.cache.keys().next().value!)
    return record
  }

  async listModelVersions(name?: string): Promise<ModelVersionRecord[]> {
    const rows = name === undefined
      ? await this.q.rows<ModelVersionRow>('SELECT * FROM model_versions')
      : await this.q.rows<ModelVersionRow>('SELECT * FROM model_versions WHERE name = $1', [name])
    return rows.map(toModelVersionRecord).sort((a, b) => a.name.localeCompare(b.name) || compare(a.version, b.version))
  }
}
