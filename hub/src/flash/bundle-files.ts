import { chmod, copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { create as createTar } from 'tar'
import type { AgentBundle } from './agent-bundle.ts'
import { MODEL_DIR, STATE_DIR } from './device-files.ts'
import type { FlashModel } from './flash-model.ts'

/** Modes in the bundle: everything readable, only the start script executable, the secret's file and the state private. */
const FILE_MODE = 0o644
const DIR_MODE = 0o755
export const SECRET_FILE_MODE = 0o600
const SCRIPT_MODE = 0o755
const STATE_MODE = 0o700

/** Copies the built agent (its `bundle.json` aside: it describes the build, not the device) into `dir`. */
export async function copyAgent(agent: AgentBundle, dir: string): Promise<void> {
  for (const file of agent.files) {
    const to = join(dir, file.path)
    await mkdir(dirname(to), { recursive: true, mode: DIR_MODE })
    await copyFile(join(agent.dir, file.path), to)
    await chmod(to, FILE_MODE)
  }
}

/** Writes the model package: its manifest (as registered, signature included) and the ONNX file under its manifest name. */
export async function writeModel(model: FlashModel, dir: string): Promise<void> {
  const to = join(dir, MODEL_DIR)
  await mkdir(to, { recursive: true, mode: DIR_MODE })
  await writeText(join(to, 'manifest.json'), `${JSON.stringify(model.manifest)}\n`)
  await copyFile(model.onnxPath, join(to, model.manifest.model.file))
  await chmod(join(to, model.manifest.model.file), FILE_MODE)
  await mkdir(join(dir, STATE_DIR), { mode: STATE_MODE })
}

/** Writes a text file with an explicit mode (not the umask's). */
export async function writeText(path: string, text: string, mode: number = FILE_MODE): Promise<void> {
  await writeFile(path, text, { mode })
  await chmod(path, mode)
}

export const scriptMode = SCRIPT_MODE

/** Every file below `dir`, relative, with its size. */
export async function listFiles(dir: string, root = dir): Promise<{ path: string; bytes: number }[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(entries.map(async (e) => {
    const path = join(dir, e.name)
    return e.isDirectory() ? listFiles(path, root) : [{ path: relative(root, path), bytes: (await stat(path)).size }]
  }))
  return nested.flat().sort((a, b) => a.path.localeCompare(b.path))
}

/**
 * Moves the staged bundle to `out`: a directory (renamed into place), or a gzipped tar of the staged
 * directory's contents with the staged modes and no owner names (`portable`), itself mode 0600 (it holds
 * the secret). Returns the bytes written for a tarball.
 */
export async function packBundle(staged: string, out: string, kind: 'dir' | 'tar.gz'): Promise<number | undefined> {
  await rm(out, { recursive: true, force: true })
  if (kind === 'dir') {
    await chmod(staged, DIR_MODE)
    await rename(staged, out)
    return undefined
  }
  const partial = `${out}.partial`
  await createTar({ gzip: { level: 9 }, cwd: staged, file: partial, portable: true, mtime: new Date() }, await readdir(staged))
  // it holds the device's secret
  await chmod(partial, SECRET_FILE_MODE)
  await rename(partial, out)
  return (await stat(out)).size
}
