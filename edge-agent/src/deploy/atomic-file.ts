import { open, rename } from 'node:fs/promises'
import { fsyncDir } from '../uplink/outbox-state.ts'

/**
 * Replaces `path` with `text` atomically and durably: write a temp file beside it, fsync, rename
 * over the old one, fsync the directory. A kill or power cut leaves either the old or the new file.
 * `mode` applies to a newly created file (e.g. 0o600 for secrets).
 */
export async function writeFileAtomic(path: string, text: string, o: { mode?: number } = {}): Promise<void> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w', o.mode)
  try {
    await fh.writeFile(text)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  fsyncDir(dirOf(path))
}

/** fsyncs a file that was written without syncing (so its bytes survive a power cut before a rename). */
export async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

function dirOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  return i <= 0 ? '.' : path.slice(0, i)
}
