import { readdir } from 'node:fs/promises'
import { extname } from 'node:path'
import { AgentError } from '../errors.ts'

/** File extensions of the images sharp decodes; other files in a frame directory are ignored. */
export const FRAME_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp', '.avif', '.gif', '.tif', '.tiff'])

const byName = new Intl.Collator('en', { numeric: true }).compare

/**
 * True for a name a camera's finished frame can have: an image extension, not hidden (`.name`), and
 * not a partial download (`*.tmp`, `*.part`, `*~`): a camera writing to such a name and renaming
 * into place is never read half-written.
 */
export function isFrameName(name: string): boolean {
  return !name.startsWith('.') && FRAME_EXTENSIONS.has(extname(name).toLowerCase())
}

/**
 * The frame files of a directory in name order, numbers compared as numbers (`2.jpg` before
 * `10.jpg`, as cameras that do not zero-pad their counters expect). AGENT_SOURCE_FAILED when the
 * directory cannot be read.
 */
export async function listFrames(dir: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new AgentError('AGENT_SOURCE_FAILED', `cannot read the frame directory ${dir} (${code ?? (cause as Error).message}): check --frames and its permissions`, { cause })
  }
  return names.filter(isFrameName).sort(byName)
}
