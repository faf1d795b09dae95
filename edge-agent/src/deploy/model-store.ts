import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { MANIFEST_FILE } from '@edgefleet/models'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import type { ServedRef } from '../pipeline/model-slot.ts'
import { fsyncDir } from '../uplink/outbox-state.ts'
import { writeFileAtomic } from './atomic-file.ts'
import { EMPTY_POINTER, parsePointer, type InstalledModel, type StorePointer } from './store-pointer.ts'

const POINTER_FILE = 'active.json'
const INCOMING = 'incoming'

/**
 * The agent's model packages on disk, under `<stateDir>/models/`:
 *
 *     active.json                          current, previous and shadow version, last desired generation
 *     <name>@<version>-<sha12>/            one installed version: manifest.json + the ONNX file
 *     incoming/<name>@<version>-<sha12>/   a download in progress (`.part`) or not yet verified
 *
 * A version directory appears only by renaming a complete, verified incoming directory, and the
 * pointer only by an atomic replace, so a kill at any moment leaves every named version whole.
 */
export class ModelStore {
  private constructor(readonly dir: string, private state: StorePointer, private readonly logger: Logger) {}

  /** Creates the directory if needed and reads the pointer (a missing or unreadable one reads as empty, logged). */
  static async open(dir: string, logger: Logger = silentLogger): Promise<ModelStore> {
    try {
      await mkdir(join(dir, INCOMING), { recursive: true })
    } catch (cause) {
      throw new AgentError('AGENT_STORAGE_FAILED', `cannot create the model store ${dir}: ${(cause as Error).message}`, { cause })
    }
    let text: string | undefined
    try {
      text = await readFile(join(dir, POINTER_FILE), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new AgentError('AGENT_STORAGE_FAILED', `cannot read ${join(dir, POINTER_FILE)}: ${(err as Error).message}`, { cause: err })
    }
    const pointer = text === undefined ? EMPTY_POINTER : parsePointer(text)
    if (!pointer) logger.warn({ file: join(dir, POINTER_FILE) }, 'the model pointer is not valid: starting from the --model package')
    return new ModelStore(dir, pointer ?? EMPTY_POINTER, logger)
  }

  get pointer(): Readonly<StorePointer> {
    return this.state
  }

  /** Absolute directory of a pointer entry. */
  resolve(entry: InstalledModel): string {
    return isAbsolute(entry.dir) ? entry.dir : resolve(this.dir, entry.dir)
  }

  /** Directory name of a version: name, version and the head of its digest (two builds of one version never collide). */
  key(ref: ServedRef): string {
    return `${ref.name}@${ref.version}-${ref.sha256.slice(0, 12)}`
  }

  versionDir(ref: ServedRef): string {
    return join(this.dir, this.key(ref))
  }

  incomingDir(ref: ServedRef): string {
    return join(this.dir, INCOMING, this.key(ref))
  }

  /** An installed package of exactly this version and digest: a pointer entry (even a `--model` directory) or a version directory. */
  async findInstalled(ref: ServedRef): Promise<string | undefined> {
    const same = (e: InstalledModel | null): e is InstalledModel => e !== null && e.name === ref.name && e.version === ref.version && e.sha256 === ref.sha256
    const candidates = [this.state.current, this.state.previous, this.state.shadow ?? null].filter(same).map((e) => this.resolve(e))
    candidates.push(this.versionDir(ref))
    for (const dir of candidates) if (await isFile(join(dir, MANIFEST_FILE))) return dir
    return undefined
  }

  /** Entry for the pointer: store directories are recorded relative to the store, others absolutely. */
  entry(ref: ServedRef, dir: string): InstalledModel {
    const abs = resolve(dir)
    const rel = relative(resolve(this.dir), abs)
    const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
    return { name: ref.name, version: ref.version, sha256: ref.sha256, dir: inside ? rel : abs }
  }

  /** Turns a verified incoming directory into the version directory (rename, then fsync the store). */
  async install(ref: ServedRef): Promise<string> {
    const from = this.incomingDir(ref)
    const to = this.versionDir(ref)
    try {
      if (await isFile(join(to, MANIFEST_FILE))) {
        await rm(from, { recursive: true, force: true })
        return to
      }
      await rm(to, { recursive: true, force: true })
      await rename(from, to)
      fsyncDir(this.dir)
      return to
    } catch (cause) {
      throw new AgentError('AGENT_STORAGE_FAILED', `cannot install ${this.key(ref)} in ${this.dir}: ${(cause as Error).message}; check free space and permissions`, { cause })
    }
  }

  /**
   * Removes the store's copy of `ref` (its version and incoming directories) unless the pointer names it.
   * For a package that passed its digest and signature checks but does not load or fails its self-test:
   * the signature covers the ONNX file's digest, not every manifest field, so the next attempt must
   * download it afresh rather than take the unusable copy for installed.
   */
  async discard(ref: ServedRef): Promise<void> {
    const key = this.key(ref)
    if ([this.state.current, this.state.previous, this.state.shadow].some((e) => e && e.dir === key)) return
    await rm(this.versionDir(ref), { recursive: true, force: true })
    await rm(this.incomingDir(ref), { recursive: true, force: true })
  }

  /** Changes the pointer durably (atomic replace). */
  async update(patch: Partial<Omit<StorePointer, 'format'>>): Promise<void> {
    const next: StorePointer = { ...this.state, ...patch }
    if (next.pending === undefined) delete next.pending
    try {
      await writeFileAtomic(join(this.dir, POINTER_FILE), JSON.stringify(next))
    } catch (cause) {
      throw new AgentError('AGENT_STORAGE_FAILED', `cannot write ${join(this.dir, POINTER_FILE)}: ${(cause as Error).message}; check free space and permissions`, { cause })
    }
    this.state = next
  }

  /**
   * Removes version directories other than the pointer's current, previous and shadow ones and `keep`
   * (a shadow candidate, an activation in progress), and incoming directories other than `keep`'s.
   * Never fails the caller: what cannot be removed is logged.
   */
  async prune(keep: readonly ServedRef[] = []): Promise<void> {
    const kept = new Set(keep.map((r) => this.key(r)))
    for (const e of [this.state.current, this.state.previous, this.state.shadow]) if (e && !isAbsolute(e.dir)) kept.add(e.dir)
    const remove = async (path: string): Promise<void> => {
      await rm(path, { recursive: true, force: true }).catch((err: Error) => this.logger.warn({ path, err: err.message }, 'cannot remove an old model version'))
    }
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name === INCOMING || name === POINTER_FILE) continue
      if (name.endsWith('.tmp') || !kept.has(name)) await remove(join(this.dir, name))
    }
    for (const name of await readdir(join(this.dir, INCOMING)).catch(() => [] as string[])) {
      if (!kept.has(name)) await remove(join(this.dir, INCOMING, name))
    }
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}
