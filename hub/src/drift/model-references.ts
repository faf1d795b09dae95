import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeManifest, type Manifest } from '@edgefleet/protocol'

/** A model version's reference statistics and drift defaults: all the drift engine needs of a manifest. */
export type ModelReference = Pick<Manifest, 'name' | 'version' | 'reference' | 'drift'>

/** Where the drift engine finds a model version's reference statistics. */
export interface ReferenceSource {
  get(name: string, version: string): Promise<ModelReference | null>
}

export interface ReferenceLogger {
  warn(obj: object, msg: string): void
}

/** How long a miss is remembered before the directories are scanned again. */
const RESCAN_AFTER_MS = 30_000

/**
 * Reference statistics from model package directories: each directory is a package (`manifest.json`
 * inside) or holds packages one level down. Indexed by name@version on first use and re-scanned
 * (at most every 30 s) when a version is not found, so a package added later is picked up. The model
 * registry (rollouts issue) becomes the primary source; this stays for packages on disk.
 */
export class PackageDirReferences implements ReferenceSource {
  private index = new Map<string, string>()
  private readonly loaded = new Map<string, ModelReference>()
  private scannedAt = -Infinity

  constructor(private readonly dirs: readonly string[], private readonly logger?: ReferenceLogger, private readonly now: () => number = Date.now) {}

  async get(name: string, version: string): Promise<ModelReference | null> {
    const key = `${name}@${version}`
    const hit = this.loaded.get(key)
    if (hit) return hit
    if (!this.index.has(key) && this.now() - this.scannedAt >= RESCAN_AFTER_MS) await this.scan()
    const path = this.index.get(key)
    if (!path) return null
    const manifest = decodeManifest(await readFile(path))
    const ref: ModelReference = { name: manifest.name, version: manifest.version, reference: manifest.reference, drift: manifest.drift }
    this.loaded.set(key, ref)
    return ref
  }

  private async scan(): Promise<void> {
    this.scannedAt = this.now()
    const index = new Map<string, string>()
    for (const dir of this.dirs) {
      for (const path of [join(dir, 'manifest.json'), ...(await subdirManifests(dir))]) {
        try {
          const m = decodeManifest(await readFile(path))
          index.set(`${m.name}@${m.version}`, path)
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code
          if (code !== 'ENOENT' && code !== 'ENOTDIR') this.logger?.warn({ path, err: (err as Error).message }, 'skipping a model package whose manifest cannot be read')
        }
      }
    }
    this.index = index
  }
}

async function subdirManifests(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true })
    return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name, 'manifest.json'))
  } catch {
    return []
  }
}

/** Reference statistics of versions registered in the hub's model registry (`edgefleet model push`). */
export class RegistryReferences implements ReferenceSource {
  constructor(private readonly registry: { getModelVersion(name: string, version: string): Promise<{ manifest: Manifest } | null> }) {}

  async get(name: string, version: string): Promise<ModelReference | null> {
    const record = await this.registry.getModelVersion(name, version)
    if (!record) return null
    const m = record.manifest
    return { name: m.name, version: m.version, reference: m.reference, drift: m.drift }
  }
}

/** The first source that knows a version: the registry, then package directories. */
export function firstOf(sources: readonly ReferenceSource[]): ReferenceSource {
  return {
    async get(name, version) {
      for (const source of sources) {
        const ref = await source.get(name, version)
        if (ref) return ref
      }
      return null
    },
  }
}
